//! `sqlx::migrate!` embeds server/migrations (a folder per database) at compile time; rebuild
//! when a migration is added.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
