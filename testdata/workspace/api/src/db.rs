use crate::types::Db;

pub async fn warm(db: &Db) {
    let conn = db.acquire().await.unwrap();
    std::mem::forget(conn);
}
