//! A TCP proxy between the service and PostgreSQL that a test controls: the
//! database can be cut off, made to swallow packets or to drop every
//! connection at once, without touching the machine's server.
//!
//! Modes:
//! - forwarding (the start, and after [`Proxy::restore`]): each accepted
//!   connection is relayed to the upstream server;
//! - [`Proxy::cut`]: every open connection is closed, and new ones are
//!   accepted and closed at once (a server that is down);
//! - [`Proxy::blackhole`]: new connections are accepted and never answered,
//!   and the open ones stop relaying (a network that loses packets). Every
//!   connection open during a blackhole stays silent for good, even after
//!   [`Proxy::restore`] and even if it carried nothing meanwhile, as after a
//!   failover or a firewall that forgot it: the service has to notice and
//!   replace it on its own.
//!
//! [`Proxy::drop_connections`] closes every open connection and keeps
//! forwarding new ones (a server that restarted at once).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Cut,
    Blackhole,
}

#[derive(Debug)]
struct Control {
    mode: watch::Sender<Mode>,
    /// How many blackholes have begun: a connection opened before the last
    /// one began is lost.
    blackholes: AtomicUsize,
    /// Bumped to close every open connection (and, at the end, by `Drop`).
    generation: watch::Sender<u64>,
    open: AtomicUsize,
}

/// The proxy; it stops, closing everything, when dropped.
#[derive(Debug)]
pub struct Proxy {
    address: SocketAddr,
    control: Arc<Control>,
    accepting: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free local port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let control = Arc::new(Control {
            mode: watch::Sender::new(Mode::Forward),
            blackholes: AtomicUsize::new(0),
            generation: watch::Sender::new(0),
            open: AtomicUsize::new(0),
        });
        let accepting = tokio::spawn(accept(listener, upstream, Arc::clone(&control)));
        Proxy { address, control, accepting }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The server is down: open connections are closed, new ones refused.
    pub fn cut(&self) {
        self.control.mode.send_replace(Mode::Cut);
        self.drop_connections();
    }

    /// The network loses every packet, of open and new connections alike.
    pub fn blackhole(&self) {
        self.control.blackholes.fetch_add(1, Ordering::Relaxed);
        self.control.mode.send_replace(Mode::Blackhole);
    }

    /// New connections are forwarded again.
    pub fn restore(&self) {
        self.control.mode.send_replace(Mode::Forward);
    }

    /// Closes every open connection at once; new ones are still served as
    /// the mode says.
    pub fn drop_connections(&self) {
        self.control.generation.send_modify(|generation| *generation += 1);
    }

    /// Connections open now (forwarded or held silent).
    pub fn open_connections(&self) -> usize {
        self.control.open.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.drop_connections();
    }
}

/// `url` with its host and port replaced by `address`.
pub fn through(url: &str, address: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let user = authority.rsplit_once('@').map(|(user, _)| format!("{user}@")).unwrap_or_default();
    format!("{scheme}://{user}{address}{tail}")
}

/// The `host:port` a PostgreSQL URL points at.
pub fn upstream_of(url: &str) -> String {
    let (_, rest) = url.split_once("://").expect("a URL with a scheme");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let has_port = host.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok());
    if has_port { host.to_owned() } else { format!("{host}:5432") }
}

async fn accept(listener: TcpListener, upstream: String, control: Arc<Control>) {
    loop {
        let Ok((client, _)) = listener.accept().await else { continue };
        let mode = *control.mode.borrow();
        match mode {
            Mode::Cut => drop(client),
            Mode::Blackhole => {
                let closing = control.generation.subscribe();
                tokio::spawn(tracked(Arc::clone(&control), hold(client, closing)));
            }
            Mode::Forward => {
                let closing = control.generation.subscribe();
                let forwarding = forward(client, upstream.clone(), Arc::clone(&control), closing);
                tokio::spawn(tracked(Arc::clone(&control), forwarding));
            }
        }
    }
}

/// Runs `connection`, counted as open meanwhile.
async fn tracked(control: Arc<Control>, connection: impl Future<Output = ()>) {
    control.open.fetch_add(1, Ordering::Relaxed);
    connection.await;
    control.open.fetch_sub(1, Ordering::Relaxed);
}

/// A connection accepted in a blackhole: open, never read, never answered,
/// until the proxy closes every connection.
async fn hold(client: TcpStream, mut closing: watch::Receiver<u64>) {
    let _ = closing.changed().await;
    drop(client);
}

/// Relays `client` to `upstream` until either side closes, or the proxy
/// closes every connection (`closing` changes).
async fn forward(
    client: TcpStream,
    upstream: String,
    control: Arc<Control>,
    mut closing: watch::Receiver<u64>,
) {
    let born = control.blackholes.load(Ordering::Relaxed);
    let relay = async {
        let Ok(server) = TcpStream::connect(&upstream).await else { return };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = server.into_split();
        tokio::join!(
            pump(client_read, server_write, &control, born),
            pump(server_read, client_write, &control, born),
        );
    };
    tokio::select! {
        _ = closing.changed() => {}
        () = relay => {}
    }
}

/// Copies one direction until EOF. Once a blackhole has begun since the
/// connection was opened (`born` blackholes before), what is read is dropped
/// and this direction never carries a byte again.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, control: &Control, born: usize) {
    let lost = || control.blackholes.load(Ordering::Relaxed) != born;
    let mut buffer = vec![0; 16 * 1024];
    loop {
        if lost() {
            return std::future::pending().await;
        }
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if lost() {
            return std::future::pending().await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
