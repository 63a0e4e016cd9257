// A type error in the body is reported on the user's line, not on the attribute.
#[runner::main]
async fn main() {
    let answer: u32 = "forty-two";
    println!("{answer}");
}
