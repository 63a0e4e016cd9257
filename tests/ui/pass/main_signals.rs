// `signals` chooses the signals `run` handles: here SIGTERM only; `[]` handles none.
#[runner::main(signals = [SIGTERM], threads = 1)]
async fn main() {
    assert_eq!(runner::spawn(async { 1 }).await, 1);
}

// Another entry point, only compiled: a second `run` inside `main` would be a nested run.
#[allow(dead_code)]
#[runner::main(signals = [])]
async fn quiet() {}
