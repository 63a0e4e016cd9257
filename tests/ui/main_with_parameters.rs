// `main` cannot take parameters, with or without the attribute.
#[runner::main]
async fn main(args: Vec<String>) {
    println!("{args:?}");
}
