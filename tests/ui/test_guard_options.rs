// Misused options of #[runner::test]'s guards: unknown values, a word instead of a string,
// no value, a value of the wrong type.
#[runner::test(unhandled_panic = "shutdown", leftovers = deny)]
async fn wrong_values() {}

#[runner::test(leftovers, unhandled_panic = true)]
async fn no_value_and_wrong_type() {}

#[runner::test(leftovers = "denied")]
async fn close_but_wrong() {}

fn main() {}
