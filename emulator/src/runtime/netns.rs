//! Sockets that live inside an ENI's network namespace.
//!
//! In AWS, a connection the ALB makes to a target leaves from the ALB's ENI,
//! and a probe that `emul verify` makes "from a task" must leave from that
//! task's ENI: the security-group ruleset of the destination judges it by that
//! source address. emul itself runs on the host, whose connections to a
//! container arrive from the bridge gateway (docker-notes.md §1), an address
//! every host process shares. So emul creates such sockets *inside* the
//! source ENI's network namespace (the pause container's).
//!
//! A socket belongs to the namespace of the thread that created it, for its
//! whole life, whichever thread uses it afterwards. [`NetNs::tcp_socket`]
//! therefore spawns a short-lived OS thread, moves it into the namespace with
//! `setns(2)`, creates the socket there, and hands it back; the async runtime
//! then connects and uses it like any other socket. A fresh thread is used on
//! purpose: a pooled thread (tokio's blocking pool) would stay in the foreign
//! namespace and poison later work scheduled on it.
//!
//! Limits: Linux only, and the process needs CAP_SYS_ADMIN (root) to enter
//! another namespace. On Docker Desktop the containers live in a VM and this
//! is not possible; see the README's "Security groups" section.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use nix::sched::{CloneFlags, setns};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpSocket, TcpStream};

/// A handle on one network namespace, by the path of its `ns/net` file.
///
/// Only the path is kept, not an open descriptor: holding the descriptor
/// would keep a dead container's namespace alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetNs {
    /// `/proc/<pid>/ns/net` of a process inside the namespace (the pause
    /// container's init process).
    path: PathBuf,
}

impl NetNs {
    /// The namespace of the process `pid` (e.g. the pause container's
    /// `State.Pid` from `docker inspect`).
    pub fn of_pid(pid: u32) -> Self {
        Self {
            path: PathBuf::from(format!("/proc/{pid}/ns/net")),
        }
    }

    /// The namespace behind an explicit `ns/net` path.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The path of the namespace file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Creates an unconnected IPv4 TCP socket inside this namespace.
    pub fn tcp_socket(&self) -> io::Result<TcpSocket> {
        let path = self.path.clone();
        let created = std::thread::Builder::new()
            .name("emul-netns".into())
            .spawn(move || -> io::Result<std::net::TcpStream> {
                let ns = std::fs::File::open(&path).map_err(|e| {
                    io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
                })?;
                setns(&ns, CloneFlags::CLONE_NEWNET).map_err(|errno| {
                    io::Error::other(format!(
                        "cannot enter network namespace {} (needs root / CAP_SYS_ADMIN): {errno}",
                        path.display()
                    ))
                })?;
                let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
                socket.set_nonblocking(true)?;
                socket.set_tcp_nodelay(true)?;
                Ok(std::net::TcpStream::from(socket))
            })?
            .join()
            .map_err(|_| io::Error::other("network-namespace thread panicked"))??;
        Ok(TcpSocket::from_std_stream(created))
    }

    /// Runs `f` on a fresh OS thread that entered this namespace (see the
    /// module doc for why the thread is fresh).
    fn on_thread_inside<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> io::Result<T> + Send + 'static,
    ) -> io::Result<T> {
        let path = self.path.clone();
        std::thread::Builder::new()
            .name("emul-netns".into())
            .spawn(move || -> io::Result<T> {
                let ns = std::fs::File::open(&path).map_err(|e| {
                    io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
                })?;
                setns(&ns, CloneFlags::CLONE_NEWNET).map_err(|errno| {
                    io::Error::other(format!(
                        "cannot enter network namespace {} (needs root / CAP_SYS_ADMIN): {errno}",
                        path.display()
                    ))
                })?;
                f()
            })?
            .join()
            .map_err(|_| io::Error::other("network-namespace thread panicked"))?
    }

    /// A TCP listener bound to `addr` inside this namespace (the ECS task
    /// metadata endpoint: served by emul, reachable only from the task).
    /// Must be called inside a tokio runtime.
    pub fn tcp_listener(&self, addr: SocketAddr) -> io::Result<tokio::net::TcpListener> {
        let listener = self.on_thread_inside(move || {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(128)?;
            socket.set_nonblocking(true)?;
            Ok(std::net::TcpListener::from(socket))
        })?;
        tokio::net::TcpListener::from_std(listener)
    }

    /// Runs a host program inside this namespace (its child process inherits
    /// the namespace of the thread that spawns it), e.g. `ip addr add`.
    /// Fails with the program's stderr when it exits non-zero.
    pub fn run(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let program = program.to_string();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        self.on_thread_inside(move || {
            let out = std::process::Command::new(&program).args(&args).output()?;
            if out.status.success() {
                Ok(())
            } else {
                Err(io::Error::other(format!(
                    "{program} {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                )))
            }
        })
    }

    /// Connects to `addr` from inside this namespace, giving up after
    /// `timeout` (a dropped SYN never answers, so a bound is essential).
    pub async fn connect(&self, addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
        let socket = self.tcp_socket()?;
        match tokio::time::timeout(timeout, socket.connect(addr)).await {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("connect to {addr} timed out after {timeout:?}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn own_namespace_connects_like_a_plain_socket() {
        // Entering our own namespace needs the same privilege as entering a
        // container's, so skip quietly where the tests do not run as root.
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: entering a network namespace needs root");
            return;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let ns = NetNs::of_pid(std::process::id());
        let (client, accepted) =
            tokio::join!(ns.connect(addr, Duration::from_secs(2)), listener.accept());
        let client = client.unwrap();
        let (_, peer) = accepted.unwrap();
        assert_eq!(client.local_addr().unwrap(), peer);
    }

    #[tokio::test]
    async fn a_missing_namespace_is_a_clear_error() {
        let err = NetNs::from_path("/proc/0/ns/net").tcp_socket().unwrap_err();
        assert!(err.to_string().contains("/proc/0/ns/net"), "{err}");
    }

    #[tokio::test]
    async fn silent_destination_times_out() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: entering a network namespace needs root");
            return;
        }
        // 192.0.2.0/24 is TEST-NET-1: never routed, so the SYN goes unanswered
        // (or the route is missing and the error comes at once).
        let ns = NetNs::of_pid(std::process::id());
        let started = std::time::Instant::now();
        let result = ns
            .connect("192.0.2.1:9".parse().unwrap(), Duration::from_millis(200))
            .await;
        assert!(result.is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
