//! Test-only: sockets and programs inside a container's network namespace,
//! entered from the host with `setns(2)` (root).
//!
//! The Docker tests use it to look at what emul built from the outside:
//! connect "from" a task or a pause container to check the security groups
//! and the VPC services, or run the host's `nft` against a namespace. emul
//! itself never enters a namespace: its probes, tunnels and the ALB's
//! upstream connections go through each ENI's agent
//! (docs/decisions/0011-eni-agent-portability.md).
//!
//! A socket belongs to the namespace of the thread that created it, for its
//! whole life, whichever thread uses it afterwards. [`NetNs::tcp_socket`]
//! therefore spawns a short-lived OS thread, moves it into the namespace,
//! creates the socket there, and hands it back. A fresh thread is used on
//! purpose: a pooled thread would stay in the foreign namespace.
#![allow(dead_code)] // each test uses a part

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use nix::sched::{CloneFlags, setns};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

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

    /// The namespace of a running container (name or id), from `docker
    /// inspect`'s `State.Pid`.
    pub fn of_container(container: &str) -> Self {
        let out = Command::new("docker")
            .args(["inspect", "-f", "{{.State.Pid}}", container])
            .output()
            .expect("docker CLI");
        assert!(
            out.status.success(),
            "docker inspect {container}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pid = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        assert!(pid > 0, "{container} is not running");
        Self::of_pid(pid)
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
        let created = self.in_namespace(|| {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_nonblocking(true)?;
            socket.set_tcp_nodelay(true)?;
            Ok(std::net::TcpStream::from(socket))
        })?;
        Ok(TcpSocket::from_std_stream(created))
    }

    /// Runs `f` on a fresh OS thread that has entered this namespace, and
    /// returns its result. The thread ends with `f`, so no pooled thread is
    /// ever left in a foreign namespace.
    fn in_namespace<T: Send + 'static>(
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

    /// Runs a host program inside this namespace (network namespace only:
    /// the host's filesystem and binaries), feeding it `stdin`. Used by the
    /// security-group enforcer to run the host's `nft` against an ENI's
    /// namespace: a process inherits the network namespace of the thread
    /// that spawns it.
    pub fn run(&self, program: &str, args: &[&str], stdin: &[u8]) -> io::Result<Output> {
        let program = program.to_string();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let input = stdin.to_vec();
        self.in_namespace(move || {
            let mut child = Command::new(&program)
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| io::Error::new(e.kind(), format!("cannot run {program}: {e}")))?;
            let mut pipe = child.stdin.take().expect("stdin was piped");
            // Write from here while the child runs; its output is small.
            let written = pipe.write_all(&input);
            drop(pipe);
            let out = child.wait_with_output()?;
            written?;
            Ok(out)
        })
    }

    /// A TCP listener bound to `addr` inside this namespace (e.g. a probe
    /// listener `emul verify` opens where nothing listens yet). Fails with
    /// `AddrInUse` when something in the namespace already listens there.
    pub fn tcp_listener(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        let listener = self.in_namespace(move || {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(1024)?;
            socket.set_nonblocking(true)?;
            Ok(std::net::TcpListener::from(socket))
        })?;
        TcpListener::from_std(listener)
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
