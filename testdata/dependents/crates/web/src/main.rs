//! The web service: its handler calls the storage library per request.
use axum::routing::get;
use axum::Router;

async fn source_file() -> String {
    match storage::lookup("/data/archive.zip", "src/lib.rs").await {
        Ok(Some(start)) => start.to_string(),
        _ => String::new(),
    }
}

#[tokio::main]
async fn main() {
    let _catalogue = storage::open_catalogue("/data/catalogue.db").await.unwrap();
    let app: Router = Router::new().route("/source", get(source_file));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
