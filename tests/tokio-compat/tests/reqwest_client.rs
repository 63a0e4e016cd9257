//! reqwest against a hyper server on 127.0.0.1, both in runner tasks, with no wrapper.

use std::time::Duration;

async fn get_twice() -> Vec<String> {
    let address = runner_tokio_compat::start_server()
        .await
        .expect("start the server");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build a client");
    let mut bodies = Vec::new();
    for path in ["/one", "/two"] {
        let response = client
            .get(format!("http://{address}{path}"))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200);
        bodies.push(response.text().await.expect("read the body"));
    }
    bodies
}

#[runner::test]
async fn reqwest_queries_a_hyper_server_in_the_main_future() {
    assert_eq!(
        get_twice().await,
        ["hello from hyper: /one", "hello from hyper: /two"]
    );
}

#[runner::test(threads = 3)]
async fn reqwest_works_in_tasks_on_worker_threads() {
    // Tasks on worker threads too: each thread of the runner is inside its tokio runtime.
    let tasks: Vec<_> = (0..6).map(|_| runner::spawn(get_twice())).collect();
    for task in tasks {
        assert_eq!(task.await.len(), 2);
    }
}

#[runner::test]
async fn reqwest_works_in_a_spawn_local_task() {
    let bodies = runner::spawn_local(get_twice()).await;
    assert_eq!(bodies[1], "hello from hyper: /two");
}

#[test]
fn runner_run_closes_with_reqwest_connections_pooled() {
    // The client and its pooled connection live until the end of the main future; close
    // then shuts the tokio runtime down with no panic, and a second runner works the same.
    for _ in 0..2 {
        let bodies = runner::run(get_twice());
        assert_eq!(bodies[0], "hello from hyper: /one");
    }
}
