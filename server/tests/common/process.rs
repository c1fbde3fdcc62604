//! The relay binary as a child process, for what only a process can show: a SIGKILL, a SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use tsunagu_core::api::Me;

use super::{Device, PATIENCE};

/// The relay binary, running as a child process with the demo company.
pub struct RelayProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl RelayProcess {
    /// Starts a relay on data directory `data` (and its database: see [`super::config`]), on a
    /// port the system picks as it binds (the relay prints where it listens): a port picked
    /// beforehand and let go could be taken by another test's relay before this one binds it.
    pub async fn start(data: &Path, dist: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tsunagu-server"))
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--data")
            .arg(data)
            .args(super::database_args(data).await)
            .arg("--dist")
            .arg(dist)
            .arg("--demo")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the relay binary starts");
        let stdout = child.stdout.take().expect("its output is piped");
        let (told, where_) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("tsunagu relay: http://") {
                    told.send(addr.trim_end_matches('/').to_owned()).ok();
                    break;
                }
            }
            // Whatever else it prints is read, so the relay never waits on a full pipe.
            lines.for_each(drop);
        });
        let addr = tokio::task::spawn_blocking(move || where_.recv_timeout(PATIENCE))
            .await
            .expect("the reader runs")
            .unwrap_or_else(|e| panic!("the relay says where it listens within {PATIENCE:?}: {e}"));
        let addr: SocketAddr = addr.parse().expect("an address");
        Self { child, addr }
    }

    /// SIGTERM, as a deployment restarts it: the relay stops gracefully (closing sockets,
    /// writing what it keeps behind) and exits by itself.
    pub fn stop(mut self) {
        let stopped = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(stopped.success());
        let status = self.child.wait().expect("the relay exits");
        assert!(
            status.success(),
            "a graceful stop exits with success: {status}"
        );
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill(mut self) {
        self.child.kill().expect("the relay is killed");
        self.child.wait().ok();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// What a phone adds to its profile's skills before its relay is killed: eight edits the relay
/// acknowledged, one at a time, then twenty sent without waiting. Returns both lists.
pub async fn edits_then_kill(
    phone: &mut Device,
    me: &Me,
    relay: RelayProcess,
) -> (Vec<String>, Vec<String>) {
    let doc = me.profile_doc;
    let mut acknowledged = Vec::new();
    for i in 0..8 {
        let skill = format!("acknowledged-{i}");
        let added = skill.clone();
        phone.edit(doc, move |p| p.skills.push(added)).await;
        phone.wait_acknowledged(&me.relay_storage).await;
        acknowledged.push(skill);
    }
    let mut in_flight = Vec::new();
    for i in 0..20 {
        let skill = format!("in-flight-{i}");
        let added = skill.clone();
        phone
            .edit_in_flight(doc, move |p| p.skills.push(added))
            .await;
        in_flight.push(skill);
    }
    relay.kill();
    (acknowledged, in_flight)
}

/// Whether `device` holds the profile in `doc` with every one of `skills`.
pub fn has_skills(device: &Device, doc: &tsunagu_core::ids::DocumentId, skills: &[String]) -> bool {
    device
        .profile(doc)
        .is_some_and(|p| skills.iter().all(|s| p.skills.contains(s)))
}
