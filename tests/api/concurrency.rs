//! Concurrent writers: no lost update.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn racing_patches_with_the_same_if_match_let_exactly_one_win(app: TestApp) {
    let owner = app.user("tia").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);

    let patch = |name: &'static str| {
        app.patch(&path, &json!({"name": name})).bearer_auth(&owner.token).header("if-match", "\"1\"").send()
    };
    let (first, second) = tokio::join!(patch("First writer"), patch("Second writer"));

    let mut statuses = [first.unwrap().status(), second.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PRECONDITION_FAILED]);
    let current: Value = app.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(current["version"], 2, "one change applied");
}

async fn concurrent_patches_without_if_match_all_apply(app: TestApp) {
    let owner = app.user("uli").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);
    let writers = 8;

    let requests = (0..writers).map(|i| {
        let request =
            app.patch(&path, &json!({"description": format!("writer {i}")})).bearer_auth(&owner.token);
        request.send()
    });
    let responses = futures_join_all(requests).await;

    for response in responses {
        assert_eq!(response.unwrap().status(), StatusCode::OK);
    }
    let current: Value = app.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(current["version"], 1 + writers, "every write counted, none lost");
    let history: Vec<Value> = app
        .get(&format!("{path}/history"))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history.len(), 1 + writers as usize, "one audit event per write");
}

/// Runs the futures concurrently on the test's runtime.
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

crate::on_every_backend!(
    racing_patches_with_the_same_if_match_let_exactly_one_win,
    concurrent_patches_without_if_match_all_apply,
);
