// A typo gets a suggestion; a name from another runtime gets the list of options.
#[runner::main(thread = 4, flavor = "multi_thread")]
async fn main() {}
