//! A throw-away PostgreSQL cluster for the relay's tests: Debian's `postgresql` installed if
//! missing, `initdb` into a temporary directory, started on a free loopback port and removed
//! again when dropped. Nothing on the machine is assumed or touched (not its `main` cluster).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::run;
use crate::setup::{apt_install, is_root};

/// The user the cluster runs as when the tests run as root (PostgreSQL refuses root); the
/// Debian package creates it.
const SYSTEM_USER: &str = "postgres";

pub(crate) struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// Installs PostgreSQL if need be and starts a new, empty cluster.
    pub(crate) fn start() -> Result<Self> {
        let bin = match binaries() {
            Some(bin) => bin,
            None => {
                apt_install(&["postgresql"])?;
                binaries().context("no initdb under /usr/lib/postgresql after installing it")?
            }
        };
        let dir = std::env::temp_dir().join(format!("tsunagu-postgres-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        if is_root() {
            run(Command::new("chown").arg(SYSTEM_USER).arg(&dir))?;
        }
        let port = free_port()?;
        let cluster = Self { dir, bin, port };
        let data = cluster.dir.join("data");
        // Trust on loopback only, C collation (byte order, as SQLite sorts), no fsync: the
        // cluster lives as long as one test run.
        run(cluster
            .command("initdb")
            .args([
                "--auth=trust",
                "--username=tsunagu",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--pgdata",
            ])
            .arg(&data))?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=500",
            cluster.dir.display()
        );
        run(cluster
            .command("pg_ctl")
            .args(["--wait", "--silent", "--pgdata"])
            .arg(&data)
            .args(["--log"])
            .arg(cluster.dir.join("log"))
            .args(["--options", &options, "start"]))?;
        Ok(cluster)
    }

    /// The server's URL without a database (`postgres://tsunagu@127.0.0.1:PORT`).
    pub(crate) fn url(&self) -> String {
        format!("postgres://tsunagu@127.0.0.1:{}", self.port)
    }

    fn command(&self, tool: &str) -> Command {
        let tool = self.bin.join(tool);
        if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", SYSTEM_USER, "--"]).arg(tool);
            cmd
        } else {
            Command::new(tool)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let stopped = self
            .command("pg_ctl")
            .args(["--wait", "--silent", "--mode=immediate", "--pgdata"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .status();
        if !stopped.is_ok_and(|s| s.success()) {
            eprintln!("could not stop the test cluster in {}", self.dir.display());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest installed PostgreSQL's binaries (`/usr/lib/postgresql/<version>/bin`).
fn binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let version = path.file_name()?.to_str()?.parse().ok()?;
            let bin = path.join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A loopback port nothing listens on now.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    if port == 0 {
        bail!("no free port");
    }
    Ok(port)
}
