//! `cargo xtask bench relays` (issue 12): tsunagu's relay against its peers, in one run.
//!
//! Builds tsunagu's relay and the load generator (`server/examples/relay_peers.rs`) as the relay
//! ships (`release-server`), samod's sync server (`tests/bench/peers/samod_relay`, a workspace
//! of its own, into `target/peers`) and the npm packages of the Node sync server
//! (`tests/bench/peers/node_relay.mjs`); starts a throw-away PostgreSQL cluster; and runs the
//! load generator, which starts each relay in turn on loopback and prints the figures.

use std::process::Command;

use anyhow::Result;

use crate::{cargo, postgres, root, run, setup};

pub(crate) fn all() -> Result<()> {
    setup::test_node_modules()?;
    run(cargo().args([
        "build",
        "--profile",
        "release-server",
        "-p",
        "tsunagu-server",
        "--bin",
        "tsunagu-server",
        "--example",
        "relay_peers",
    ]))?;
    let target = root().join("target");
    let samod = root().join("tests/bench/peers/samod_relay");
    run(cargo()
        .args(["build", "--release", "--locked", "--manifest-path"])
        .arg(samod.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target.join("peers")))?;
    let cluster = postgres::Cluster::start()?;
    run(
        Command::new(target.join("release-server/examples/relay_peers"))
            .env(
                "TSUNAGU_RELAY_BIN",
                target.join("release-server/tsunagu-server"),
            )
            .env(
                "TSUNAGU_BENCH_POSTGRES",
                format!("{}/postgres", cluster.url()),
            )
            .env(
                "NODE_RELAY",
                root().join("tests/bench/peers/node_relay.mjs"),
            )
            .env("SAMOD_RELAY_BIN", target.join("peers/release/samod-relay")),
    )
}
