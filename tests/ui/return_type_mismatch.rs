// The body must end with a value of the return type: here `Ok(())` is missing.
#[runner::main]
async fn main() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "5".parse()?;
    println!("{n}");
}
