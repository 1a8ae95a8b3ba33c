//! A cgroup per ECS task, so the task-level `cpu` / `memory` of a task
//! definition (Fargate-style) bound the task as a whole, as on AWS, rather
//! than each container separately.
//!
//! Docker has no pod-level limits, but every container may name a parent
//! cgroup (`HostConfig.CgroupParent`). emul creates `/emul/<project>/<task-id>`,
//! writes the task's limits into it, and puts every container of the task
//! (and its pause container) under it: the kernel then charges all of them
//! to the one budget.
//!
//! | task definition | task cgroup (v1 / v2) |
//! |---|---|
//! | `cpu` (units, 1024 = 1 vCPU) | `cpu.cfs_quota_us` / `cpu.max`: units/1024 CPUs per 100 ms period |
//! | `memory` (MiB) | `memory.limit_in_bytes` / `memory.max` |
//!
//! This needs the engine's `cgroupfs` driver on this host (a local socket)
//! and a writable `/sys/fs/cgroup`. Otherwise ([`TaskCgroup::create`]
//! returns `None`) the caller falls back to per-container limits.

use std::path::{Path, PathBuf};

use super::docker::Engine;

/// The CFS period the quota is expressed against (the kernel's default).
const CFS_PERIOD_US: i64 = 100_000;

/// The cgroup filesystem emul writes to.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// One task's cgroup: give [`TaskCgroup::parent`] to Docker, call
/// [`TaskCgroup::remove`] once the task's containers are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCgroup {
    /// Docker's `CgroupParent`, e.g. `/emul/shop/0123…`.
    parent: String,
    /// The cgroup filesystem (v1: a directory per controller below it).
    root: PathBuf,
    /// cgroup v2 (one unified hierarchy) rather than v1.
    unified: bool,
}

/// Task-level limits, in the task definition's units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskLimits {
    /// CPU units (1024 = one vCPU).
    pub cpu_units: Option<i64>,
    /// Memory in MiB.
    pub memory_mib: Option<i64>,
}

impl TaskCgroup {
    /// Creates the task's cgroup with its limits, or `None` when this
    /// engine's containers cannot be placed under a cgroup emul controls
    /// (remote engine, `systemd` driver, read-only cgroupfs).
    pub async fn create(
        engine: &Engine,
        project: &str,
        task_id: &str,
        limits: TaskLimits,
    ) -> Option<TaskCgroup> {
        let cgroup = Self::of_task(engine, project, task_id).await?;
        match cgroup.apply(limits) {
            Ok(()) => Some(cgroup),
            Err(e) => {
                // Said once per process: a read-only cgroup filesystem (emul
                // in a container) refuses every task alike.
                static SAID: std::sync::atomic::AtomicBool =
                    std::sync::atomic::AtomicBool::new(false);
                if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    tracing::warn!(cgroup = cgroup.parent, error = %e, "cannot create task cgroups here; task limits apply per container");
                } else {
                    tracing::debug!(cgroup = cgroup.parent, error = %e, "no task cgroup");
                }
                cgroup.remove();
                None
            }
        }
    }

    /// The cgroup task `task_id` has (or would have) on this engine, without
    /// touching it; `None` when the engine's cgroups are not emul's to manage.
    pub async fn of_task(engine: &Engine, project: &str, task_id: &str) -> Option<TaskCgroup> {
        if !engine.is_local() {
            return None;
        }
        let layout = match engine.cgroup_layout().await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the engine's cgroup driver");
                return None;
            }
        };
        (layout.driver == "cgroupfs").then(|| TaskCgroup {
            parent: format!("/emul/{project}/{task_id}"),
            root: PathBuf::from(CGROUP_ROOT),
            unified: layout.version == "2",
        })
    }

    /// The `CgroupParent` for every container of the task.
    pub fn parent(&self) -> &str {
        &self.parent
    }

    /// The files to write, as (directory relative to the cgroup root,
    /// file, value), parents first.
    fn writes(&self, limits: TaskLimits) -> Vec<(PathBuf, &'static str, String)> {
        let rel = PathBuf::from(self.parent.trim_start_matches('/'));
        let quota = limits
            .cpu_units
            .map(|u| (u * CFS_PERIOD_US / 1024).max(1000));
        let bytes = limits.memory_mib.map(|m| m * 1024 * 1024);
        let mut out = Vec::new();
        if self.unified {
            // Controllers must be enabled on every ancestor for the task's
            // own files (and its containers' limits) to exist.
            let mut dir = PathBuf::new();
            for part in rel.iter() {
                out.push((dir.clone(), "cgroup.subtree_control", "+cpu +memory".into()));
                dir.push(part);
            }
            if let Some(q) = quota {
                out.push((rel.clone(), "cpu.max", format!("{q} {CFS_PERIOD_US}")));
            }
            if let Some(b) = bytes {
                out.push((rel.clone(), "memory.max", b.to_string()));
            }
            out.push((rel, "cgroup.subtree_control", "+cpu +memory".into()));
        } else {
            if let Some(q) = quota {
                let cpu = Path::new("cpu").join(&rel);
                out.push((cpu.clone(), "cpu.cfs_period_us", CFS_PERIOD_US.to_string()));
                out.push((cpu, "cpu.cfs_quota_us", q.to_string()));
            }
            if let Some(b) = bytes {
                out.push((
                    Path::new("memory").join(&rel),
                    "memory.limit_in_bytes",
                    b.to_string(),
                ));
            }
        }
        out
    }

    fn apply(&self, limits: TaskLimits) -> std::io::Result<()> {
        for (dir, file, value) in self.writes(limits) {
            let dir = self.root.join(dir);
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(file), &value)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{file}={value}: {e}")))?;
        }
        Ok(())
    }

    /// Removes the task's cgroup once the kernel lets go of it: right after
    /// `docker rm` the containers' own child cgroups can still be there for a
    /// moment (rmdir answers EBUSY), so this retries for up to five seconds.
    pub async fn remove_when_released(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            self.remove();
            if !self.exists() || tokio::time::Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Whether the task's own directory is still in any hierarchy.
    fn exists(&self) -> bool {
        let rel = self.parent.trim_start_matches('/');
        self.hierarchies().iter().any(|h| h.join(rel).exists())
    }

    /// The cgroup roots the task's directory lives under: the one unified
    /// hierarchy, or each v1 controller's.
    fn hierarchies(&self) -> Vec<PathBuf> {
        if self.unified {
            vec![self.root.clone()]
        } else {
            std::fs::read_dir(&self.root)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect()
        }
    }

    /// Removes the task's cgroup directories (every v1 controller's copy,
    /// which the runtime made under the parent too) and the project's and
    /// emul's parents once empty. Best effort: a cgroup still holding a
    /// process stays.
    pub fn remove(&self) {
        let rel = self.parent.trim_start_matches('/');
        for h in self.hierarchies() {
            let mut dir = h.join(rel);
            // Task, then project, then `emul`: rmdir only removes empty ones.
            for _ in 0..3 {
                let _ = std::fs::remove_dir(&dir);
                if !dir.pop() {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cgroup(unified: bool) -> TaskCgroup {
        TaskCgroup {
            parent: "/emul/shop/t1".into(),
            root: PathBuf::from("/sys/fs/cgroup"),
            unified,
        }
    }

    #[test]
    fn v1_writes_cfs_quota_and_memory_limit_of_the_task() {
        let limits = TaskLimits {
            cpu_units: Some(256),
            memory_mib: Some(512),
        };
        let w = cgroup(false).writes(limits);
        assert_eq!(
            w,
            [
                (
                    PathBuf::from("cpu/emul/shop/t1"),
                    "cpu.cfs_period_us",
                    "100000".into()
                ),
                (
                    PathBuf::from("cpu/emul/shop/t1"),
                    "cpu.cfs_quota_us",
                    "25000".into()
                ),
                (
                    PathBuf::from("memory/emul/shop/t1"),
                    "memory.limit_in_bytes",
                    (512u64 * 1024 * 1024).to_string()
                ),
            ]
        );
    }

    #[test]
    fn v2_enables_controllers_down_the_path_and_writes_max_files() {
        let limits = TaskLimits {
            cpu_units: Some(2048),
            memory_mib: None,
        };
        let w = cgroup(true).writes(limits);
        let files: Vec<(String, &str, String)> = w
            .into_iter()
            .map(|(d, f, v)| (d.display().to_string(), f, v))
            .collect();
        assert_eq!(
            files,
            [
                (
                    String::new(),
                    "cgroup.subtree_control",
                    "+cpu +memory".into()
                ),
                (
                    "emul".into(),
                    "cgroup.subtree_control",
                    "+cpu +memory".into()
                ),
                (
                    "emul/shop".into(),
                    "cgroup.subtree_control",
                    "+cpu +memory".into()
                ),
                ("emul/shop/t1".into(), "cpu.max", "200000 100000".into()),
                (
                    "emul/shop/t1".into(),
                    "cgroup.subtree_control",
                    "+cpu +memory".into()
                ),
            ]
        );
    }

    #[test]
    fn apply_and_remove_on_a_fake_v1_tree() {
        let root = tempfile::tempdir().unwrap();
        for c in ["cpu", "memory", "pids"] {
            std::fs::create_dir(root.path().join(c)).unwrap();
        }
        let cg = TaskCgroup {
            root: root.path().to_path_buf(),
            ..cgroup(false)
        };
        cg.apply(TaskLimits {
            cpu_units: Some(512),
            memory_mib: Some(64),
        })
        .unwrap();
        let read = |p: &str| std::fs::read_to_string(root.path().join(p)).unwrap();
        assert_eq!(read("cpu/emul/shop/t1/cpu.cfs_quota_us"), "50000");
        assert_eq!(
            read("memory/emul/shop/t1/memory.limit_in_bytes"),
            "67108864"
        );
        // A real cgroupfs has no regular files to delete; clear them like the kernel would.
        for f in [
            "cpu/emul/shop/t1/cpu.cfs_quota_us",
            "cpu/emul/shop/t1/cpu.cfs_period_us",
        ] {
            std::fs::remove_file(root.path().join(f)).unwrap();
        }
        std::fs::remove_file(
            root.path()
                .join("memory/emul/shop/t1/memory.limit_in_bytes"),
        )
        .unwrap();
        std::fs::create_dir_all(root.path().join("pids/emul/shop/t1")).unwrap();
        cg.remove();
        for c in ["cpu", "memory", "pids"] {
            assert!(!root.path().join(c).join("emul").exists(), "{c}");
        }
    }
}
