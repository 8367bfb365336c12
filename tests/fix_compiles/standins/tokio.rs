//! Std-only stand-in for `tokio::time::sleep`.

pub mod time {
    pub async fn sleep(_for: std::time::Duration) {}
}
