// `main` may return `Result`, and `?` works in its body.
use std::error::Error;

#[runner::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: u32 = "42".parse()?;
    let doubled = runner::spawn(async move { n * 2 }).await;
    assert_eq!(doubled, 84);
    Ok(())
}
