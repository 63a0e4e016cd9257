// A runner belongs to the thread that created it: the error says so in its first line.
fn main() {
    let runner = runner::Runner::new();
    std::thread::spawn(move || drop(runner));
}
