mod db;

fn main() {}
mod types {
    pub type Db = sqlx::PgPool;
}
