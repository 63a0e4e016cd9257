// Durations are a number and a unit.
#[runner::test(timeout = "5 sec", shutdown_grace = "10", shutdown_timeout = "1.5ns")]
async fn slow() {}

fn main() {}
