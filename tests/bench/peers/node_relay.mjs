// The Node automerge-repo sync server, as `automerge-repo-sync-server` runs it: a Repo with the
// WebSocket server adapter and file storage, syncing a document with the peers that ask for it
// (it announces nothing of its own). The relay
// comparison (`cargo xtask bench relays`) starts it side by side with tsunagu's relay and samod.
//
//   node node_relay.mjs PORT DATA_DIR
// Prints "listening" once it accepts connections.
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";

const [port, dir] = process.argv.slice(2);
const socket = new WebSocketServer({ host: "127.0.0.1", port: Number(port) });
new Repo({
  network: [new NodeWSServerAdapter(socket)],
  storage: new NodeFSStorageAdapter(dir),
  // As the stock server: serve documents peers ask for by id, announce none.
  sharePolicy: async () => false,
});
socket.on("listening", () => console.log("listening"));
