//! RDS Postgres and ElastiCache Redis as plan pieces (pure).
//!
//! Each function turns one data store into the ENIs, containers and volumes
//! that run it, plus its AWS-shaped endpoint names and warnings:
//!
//! - RDS Postgres: one container (`postgres -c key=value` for each
//!   parameter-group setting, data in a named volume). Multi-AZ adds a
//!   standby in a second subnet, initialised with `pg_basebackup` from the
//!   primary and kept in sync by streaming replication; the instance endpoint
//!   is an alias of the primary's ENI. (Failover moves the aliases at run
//!   time: `project::datastore_runtime`.)
//! - ElastiCache Redis: a primary and N replicas (`--replicaof`), AUTH via
//!   `--requirepass`/`--masterauth`, parameter-group settings as `--key value`;
//!   `master.` and `replica.` endpoint aliases.
//!
//! Names inside the VPC: besides its AWS-shaped endpoint, each data store's
//! primary answers to its bare topology name (`main-db`, `sessions`), the
//! same for both kinds, so a task may use either. (AWS has no such short
//! name; a topology that wants the real endpoint in a task's environment
//! writes `${rds.main-db.address}`, see `topology::model::references`.) The
//! endpoint names come from [`rds_endpoint`] and [`elasticache_endpoints`],
//! which the reference resolution uses too.
//!
//! Image choice: the asked major first, then the nearest majors (higher
//! first on a tie: newer servers accept older clients), each as the official
//! image then our `emul/` build. Anything but the asked major carries a
//! warning; the API layer keeps reporting the version the topology asked for.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;
use sha2::{Digest, Sha256};

use super::plan::{
    ContainerSpec, EniRequest, ImageCandidate, ImageChoice, Kind, LogConfig, Readiness, Resources,
    Secret, VolumeMount, VolumeSpec,
};

/// Postgres majors we know images for, oldest first.
pub const POSTGRES_MAJORS: &[u32] = &[12, 13, 14, 15, 16, 17, 18];
/// Where Postgres keeps its data in the official image (and ours).
const PGDATA_ROOT: &str = "/var/lib/postgresql/data";

/// Everything one data store adds to a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct DatastoreParts {
    /// Its ENIs (one per node).
    pub enis: Vec<EniRequest>,
    /// Its containers.
    pub containers: Vec<ContainerSpec>,
    /// Its named volumes.
    pub volumes: Vec<VolumeSpec>,
    /// The primary / writer endpoint name.
    pub endpoint: String,
    /// The reader endpoint name (ElastiCache), if any.
    pub reader_endpoint: Option<String>,
}

/// A data store that cannot be turned into containers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatastoreError {
    /// `engine_version` is not `<major>[.<minor>]`.
    #[error("{id}: engine_version {version:?} is not a PostgreSQL version like \"15\" or \"15.4\"")]
    BadVersion {
        /// The instance.
        id: String,
        /// What was asked.
        version: String,
    },
    /// Multi-AZ needs a second subnet for the standby.
    #[error("{id}: Multi-AZ needs a standby subnet")]
    NoStandbySubnet {
        /// The instance.
        id: String,
    },
}

/// An RDS Postgres instance, as the topology describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct RdsPostgres {
    /// DB instance identifier, e.g. `main-db`.
    pub id: String,
    /// The asked engine version, e.g. `16.3`.
    pub engine_version: String,
    /// Master user name.
    pub username: String,
    /// Master password (from its secret).
    pub password: Secret,
    /// Initial database name.
    pub db_name: String,
    /// Parameter-group settings (`max_connections` → `-c max_connections=...`).
    pub parameters: BTreeMap<String, String>,
    /// Multi-AZ: add a streaming-replication standby.
    pub multi_az: bool,
    /// The port Postgres listens on (RDS `port`, 1150..65535; default 5432):
    /// the server, the standby's replication connection and the readiness
    /// probe all use it.
    pub port: u16,
    /// The VPC network's logical id.
    pub network: String,
    /// Subnet of the primary.
    pub subnet: Ipv4Net,
    /// Subnet of the standby (Multi-AZ only).
    pub standby_subnet: Option<Ipv4Net>,
    /// AWS region, for the endpoint name.
    pub region: String,
    /// The account-and-region-unique part of endpoint names (see [`endpoint_suffix`]).
    pub suffix: String,
    /// CPU / memory limits from the instance class.
    pub resources: Resources,
}

/// An ElastiCache Redis replication group.
#[derive(Debug, Clone, PartialEq)]
pub struct ElastiCacheRedis {
    /// Replication group id, e.g. `sessions`.
    pub id: String,
    /// Asked engine version (`7.1`); only the major picks the image.
    pub engine_version: String,
    /// Number of read replicas.
    pub replicas: u32,
    /// The port every node listens on (ElastiCache `port`; default 6379):
    /// replicas replicate from the primary on it, probes use it.
    pub port: u16,
    /// AUTH token, when transit encryption/AUTH is configured.
    pub auth_token: Option<Secret>,
    /// Parameter-group settings (`maxmemory-policy` → `--maxmemory-policy allkeys-lru`).
    pub parameters: BTreeMap<String, String>,
    /// The VPC network's logical id.
    pub network: String,
    /// Subnets nodes are spread over (round robin), at least one.
    pub subnets: Vec<Ipv4Net>,
    /// AWS region.
    pub region: String,
    /// The account-and-region-unique part of endpoint names.
    pub suffix: String,
    /// CPU / memory limits from the node type.
    pub resources: Resources,
}

/// A deterministic 12-character `[a-z0-9]` endpoint part for a project,
/// shaped like AWS's per-account random string (`cxa1b2c3d4e5`).
pub fn endpoint_suffix(project: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    Sha256::digest(project.as_bytes())
        .iter()
        .take(12)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

/// ElastiCache's short region code: `us-east-1` → `use1`, `ap-southeast-2` → `apse2`.
pub fn region_short(region: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    let dir = |d: &str| match d {
        "east" => "e".to_string(),
        "west" => "w".to_string(),
        "north" => "n".to_string(),
        "south" => "s".to_string(),
        "central" => "c".to_string(),
        "northeast" => "ne".to_string(),
        "northwest" => "nw".to_string(),
        "southeast" => "se".to_string(),
        "southwest" => "sw".to_string(),
        other => other.chars().take(2).collect(),
    };
    match parts.as_slice() {
        [country, direction, number] => format!("{country}{}{number}", dir(direction)),
        _ => region.replace('-', ""),
    }
}

/// An RDS instance's endpoint address: `<id>.<suffix>.<region>.rds.amazonaws.com`.
pub fn rds_endpoint(id: &str, suffix: &str, region: &str) -> String {
    format!("{id}.{suffix}.{region}.rds.amazonaws.com")
}

/// An ElastiCache replication group's (primary, reader) endpoint addresses:
/// `master.<id>.<suffix>.<region-short>.cache.amazonaws.com` and `replica.…`.
pub fn elasticache_endpoints(id: &str, suffix: &str, region: &str) -> (String, String) {
    let base = elasticache_base(id, suffix, region);
    (format!("master.{base}"), format!("replica.{base}"))
}

/// The part of ElastiCache names after the node / role label.
fn elasticache_base(id: &str, suffix: &str, region: &str) -> String {
    format!("{id}.{suffix}.{}.cache.amazonaws.com", region_short(region))
}

fn major_of(id: &str, version: &str) -> Result<u32, DatastoreError> {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .filter(|m| *m > 0)
        .ok_or_else(|| DatastoreError::BadVersion {
            id: id.to_string(),
            version: version.to_string(),
        })
}

/// Image candidates for Postgres `asked` (see the module docs for the order).
pub fn postgres_images(id: &str, asked: u32) -> ImageChoice {
    nearest_major_images(POSTGRES_MAJORS, asked, "postgres", |m| {
        format!(
            "RDS instance {id} asks for PostgreSQL {asked}, which is not available locally; running PostgreSQL {m} instead (the API still reports the engine version the topology asked for)"
        )
    })
}

/// Redis majors we know images for, oldest first.
pub const REDIS_MAJORS: &[u32] = &[6, 7];

/// Image candidates for Redis `asked` (`6.x` and `6.2` both ask for 6): the
/// asked major first, then the nearest known majors (newer first on a tie),
/// each as the official image then ours; a substitute carries a warning, as
/// for Postgres ([`postgres_images`]).
pub fn redis_images(id: &str, asked: u32) -> ImageChoice {
    nearest_major_images(REDIS_MAJORS, asked, "redis", |m| {
        format!(
            "ElastiCache cluster {id} asks for Redis {asked}, which is not available locally; running Redis {m} instead (the API still reports the engine version the topology asked for)"
        )
    })
}

/// The one ordering rule both engines follow: `asked` first, then the
/// `known` majors by distance from it (newer first on a tie), each as the
/// official `<repo>:<major>` (pullable) then `emul/<repo>:<major>`; a major
/// other than `asked` carries `warning(major)`.
fn nearest_major_images(
    known: &[u32],
    asked: u32,
    repo: &str,
    warning: impl Fn(u32) -> String,
) -> ImageChoice {
    let mut majors: Vec<u32> = known.to_vec();
    if !majors.contains(&asked) {
        majors.push(asked);
    }
    majors.sort_by_key(|m| (m.abs_diff(asked), std::cmp::Reverse(*m)));
    let mut candidates = Vec::new();
    for m in majors {
        let substitute_warning = (m != asked).then(|| warning(m));
        for (reference, pullable) in [
            (format!("{repo}:{m}"), true),
            (format!("emul/{repo}:{m}"), false),
        ] {
            candidates.push(ImageCandidate {
                reference,
                pullable,
                substitute_warning: substitute_warning.clone(),
            });
        }
    }
    ImageChoice { candidates }
}

fn base_container(
    id: String,
    kind: Kind,
    image: ImageChoice,
    eni: String,
    resources: Resources,
    readiness: Readiness,
) -> ContainerSpec {
    ContainerSpec {
        id,
        kind,
        image,
        env: BTreeMap::new(),
        entrypoint: None,
        cmd: vec![],
        prelude: None,
        user: None,
        eni,
        volumes: vec![],
        health: None,
        resources,
        log: LogConfig::default(),
        readiness,
        after: vec![],
    }
}

/// Single-quotes a value for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// An RDS Postgres instance → plan parts.
pub fn rds_postgres(db: &RdsPostgres) -> Result<DatastoreParts, DatastoreError> {
    let major = major_of(&db.id, &db.engine_version)?;
    let image = postgres_images(&db.id, major);
    let endpoint = rds_endpoint(&db.id, &db.suffix, &db.region);
    let readiness = Readiness::Postgres {
        port: db.port,
        user: db.username.clone(),
        password: db.password.clone(),
        database: db.db_name.clone(),
    };
    let mut args = vec!["postgres".to_string()];
    if db.port != 5432 {
        args.extend(["-c".into(), format!("port={}", db.port)]);
    }
    for (k, v) in &db.parameters {
        args.push("-c".into());
        args.push(format!("{k}={v}"));
    }
    let primary_id = format!("rds/{}", db.id);
    let primary_eni = format!("eni/rds/{}", db.id);
    let data = format!("rds/{}/data", db.id);
    let mut primary = base_container(
        primary_id.clone(),
        Kind::Rds,
        image.clone(),
        primary_eni.clone(),
        db.resources.clone(),
        readiness.clone(),
    );
    primary.env = BTreeMap::from([
        ("POSTGRES_USER".into(), db.username.clone()),
        ("POSTGRES_PASSWORD".into(), db.password.expose().to_string()),
        ("POSTGRES_DB".into(), db.db_name.clone()),
        ("PGDATA".into(), PGDATA_ROOT.into()),
    ]);
    if db.port != 5432 {
        // The image's entrypoint runs its init-time server and psql on
        // $PGPORT: they must agree with the final server's port.
        primary.env.insert("PGPORT".into(), db.port.to_string());
    }
    primary.volumes = vec![VolumeMount {
        volume: data.clone(),
        target: PGDATA_ROOT.into(),
    }];
    let mut parts = DatastoreParts {
        enis: vec![EniRequest {
            id: primary_eni,
            network: db.network.clone(),
            subnet: db.subnet,
            ip: None,
            // The bare identifier too (see the module docs).
            aliases: vec![endpoint.clone(), db.id.clone()],
        }],
        containers: vec![],
        volumes: vec![VolumeSpec { id: data }],
        endpoint: endpoint.clone(),
        reader_endpoint: None,
    };
    if db.multi_az {
        let standby_subnet = db
            .standby_subnet
            .ok_or_else(|| DatastoreError::NoStandbySubnet { id: db.id.clone() })?;
        // The official image's pg_hba.conf has no `replication` line, so the
        // primary runs with its own hba file allowing the master user (a
        // superuser, hence REPLICATION) to stream, with SCRAM.
        let hba = "/tmp/emul_pg_hba.conf";
        let write_hba = format!(
            "printf 'local all all trust\\nhost all all all scram-sha-256\\nhost replication all all scram-sha-256\\n' > {hba}"
        );
        primary.prelude = Some(write_hba.clone());
        args.extend(["-c".into(), format!("hba_file={hba}")]);
        args.extend(["-c".into(), "wal_level=replica".into()]);
        args.extend(["-c".into(), "max_wal_senders=10".into()]);
        args.extend(["-c".into(), "hot_standby=on".into()]);
        primary.cmd = args.clone();

        let standby_id = format!("rds/{}/standby", db.id);
        let standby_eni = format!("eni/rds/{}/standby", db.id);
        let standby_data = format!("rds/{}/standby-data", db.id);
        let pgdata = format!("{PGDATA_ROOT}/standby");
        let mut standby = base_container(
            standby_id,
            Kind::Rds,
            image,
            standby_eni.clone(),
            db.resources.clone(),
            readiness,
        );
        standby.env = BTreeMap::from([
            ("PGDATA".into(), pgdata.clone()),
            ("PGPASSWORD".into(), db.password.expose().to_string()),
        ]);
        standby.user = Some("999:999".into());
        standby.volumes = vec![VolumeMount {
            volume: standby_data.clone(),
            target: PGDATA_ROOT.into(),
        }];
        // The standby runs with the same hba file (it is promotable).
        standby.prelude = Some(format!(
            "{write_hba}\n\
             export PATH=\"$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tr '\\n' ':')\"\n\
             if [ ! -s \"$PGDATA/PG_VERSION\" ]; then\n\
             \x20 rm -rf \"$PGDATA\" && mkdir -p \"$PGDATA\" && chmod 700 \"$PGDATA\"\n\
             \x20 until pg_basebackup -h {host} -p {port} -U {user} -D \"$PGDATA\" -R -X stream; do sleep 1; rm -rf \"$PGDATA\"/*; done\n\
             fi",
            host = sh_quote(&endpoint),
            port = db.port,
            user = sh_quote(&db.username),
        ));
        standby.cmd = args;
        standby.after = vec![primary_id];
        parts.enis.push(EniRequest {
            id: standby_eni,
            network: db.network.clone(),
            subnet: standby_subnet,
            ip: None,
            aliases: vec![format!(
                "{}-standby.{}.{}.rds.amazonaws.com",
                db.id, db.suffix, db.region
            )],
        });
        parts.volumes.push(VolumeSpec { id: standby_data });
        parts.containers.push(primary);
        parts.containers.push(standby);
    } else {
        // Empty cmd keeps the image's CMD unless there are parameters.
        if args.len() > 1 {
            primary.cmd = args;
        }
        parts.containers.push(primary);
    }
    Ok(parts)
}

/// An ElastiCache Redis replication group → plan parts.
pub fn elasticache_redis(rg: &ElastiCacheRedis) -> Result<DatastoreParts, DatastoreError> {
    let major = major_of(&rg.id, &rg.engine_version)?;
    let base = elasticache_base(&rg.id, &rg.suffix, &rg.region);
    let (endpoint, reader) = elasticache_endpoints(&rg.id, &rg.suffix, &rg.region);
    let readiness = Readiness::Redis {
        port: rg.port,
        password: rg.auth_token.clone(),
    };
    let mut common = vec![
        "redis-server".to_string(),
        "--bind".into(),
        "0.0.0.0".into(),
        "--protected-mode".into(),
        "no".into(),
        "--save".into(),
        String::new(),
        "--appendonly".into(),
        "no".into(),
    ];
    if rg.port != 6379 {
        common.extend(["--port".into(), rg.port.to_string()]);
    }
    if let Some(tok) = &rg.auth_token {
        common.extend(["--requirepass".into(), tok.expose().to_string()]);
        common.extend(["--masterauth".into(), tok.expose().to_string()]);
    }
    for (k, v) in &rg.parameters {
        common.push(format!("--{k}"));
        common.push(v.clone());
    }
    let mut parts = DatastoreParts {
        enis: vec![],
        containers: vec![],
        volumes: vec![],
        endpoint: endpoint.clone(),
        reader_endpoint: Some(reader.clone()),
    };
    let primary_id = format!("elasticache/{}/001", rg.id);
    for n in 0..=rg.replicas {
        let node = format!("{:03}", n + 1);
        let id = format!("elasticache/{}/{node}", rg.id);
        let eni = format!("eni/elasticache/{}/{node}", rg.id);
        let mut aliases = vec![format!("{}-{node}.{base}", rg.id)];
        let mut cmd = common.clone();
        let mut after = vec![];
        if n == 0 {
            aliases.push(endpoint.clone());
            // The bare replication group id reaches the primary, as an RDS
            // instance's bare identifier does (see the module docs).
            aliases.push(rg.id.clone());
            if rg.replicas == 0 {
                // With no replicas, AWS's reader endpoint reaches the primary.
                aliases.push(reader.clone());
            }
        } else {
            aliases.push(reader.clone());
            cmd.extend(["--replicaof".into(), endpoint.clone(), rg.port.to_string()]);
            after.push(primary_id.clone());
        }
        let subnet = rg.subnets[(n as usize) % rg.subnets.len().max(1)];
        parts.enis.push(EniRequest {
            id: eni.clone(),
            network: rg.network.clone(),
            subnet,
            ip: None,
            aliases,
        });
        let mut c = base_container(
            id,
            Kind::Elasticache,
            redis_images(&rg.id, major),
            eni,
            rg.resources.clone(),
            readiness.clone(),
        );
        c.cmd = cmd;
        c.after = after;
        parts.containers.push(c);
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> RdsPostgres {
        RdsPostgres {
            id: "main-db".into(),
            engine_version: "15.4".into(),
            username: "app".into(),
            password: Secret("pw".into()),
            db_name: "shop".into(),
            parameters: BTreeMap::from([("max_connections".into(), "200".into())]),
            multi_az: false,
            port: 5432,
            network: "vpc/main".into(),
            subnet: "10.0.10.0/24".parse().unwrap(),
            standby_subnet: Some("10.0.11.0/24".parse().unwrap()),
            region: "us-east-1".into(),
            suffix: "cxa1b2c3d4e5".into(),
            resources: Resources::default(),
        }
    }

    fn refs(c: &ImageChoice) -> Vec<&str> {
        c.candidates.iter().map(|c| c.reference.as_str()).collect()
    }

    #[test]
    fn postgres_single_instance() {
        let p = rds_postgres(&db()).unwrap();
        assert_eq!(
            p.endpoint,
            "main-db.cxa1b2c3d4e5.us-east-1.rds.amazonaws.com"
        );
        assert_eq!(
            p.enis[0].aliases,
            vec![p.endpoint.clone(), "main-db".to_string()],
            "the endpoint and the bare identifier"
        );
        assert_eq!(
            p.endpoint,
            rds_endpoint("main-db", "cxa1b2c3d4e5", "us-east-1")
        );
        let c = &p.containers[0];
        assert_eq!(c.id, "rds/main-db");
        assert_eq!(c.env["POSTGRES_USER"], "app");
        assert_eq!(c.env["POSTGRES_PASSWORD"], "pw");
        assert_eq!(c.env["POSTGRES_DB"], "shop");
        assert_eq!(c.cmd, vec!["postgres", "-c", "max_connections=200"]);
        assert_eq!(c.volumes[0].target, "/var/lib/postgresql/data");
        assert_eq!(
            p.volumes,
            vec![VolumeSpec {
                id: "rds/main-db/data".into()
            }]
        );
        assert_eq!(&refs(&c.image)[..2], &["postgres:15", "emul/postgres:15"]);
        assert!(c.image.candidates[0].substitute_warning.is_none());
        assert!(
            matches!(&c.readiness, Readiness::Postgres { user, database, .. } if user == "app" && database == "shop")
        );
    }

    #[test]
    fn postgres_16_falls_back_to_nearest_with_a_warning() {
        let mut d = db();
        d.engine_version = "16.3".into();
        let c = &rds_postgres(&d).unwrap().containers[0];
        assert_eq!(
            &refs(&c.image)[..6],
            &[
                "postgres:16",
                "emul/postgres:16",
                "postgres:17",
                "emul/postgres:17",
                "postgres:15",
                "emul/postgres:15"
            ]
        );
        let w = c.image.candidates[4].substitute_warning.as_deref().unwrap();
        assert!(
            w.contains("asks for PostgreSQL 16") && w.contains("running PostgreSQL 15"),
            "{w}"
        );
        d.engine_version = "sixteen".into();
        assert_eq!(
            rds_postgres(&d).unwrap_err().to_string(),
            "main-db: engine_version \"sixteen\" is not a PostgreSQL version like \"15\" or \"15.4\""
        );
    }

    #[test]
    fn postgres_multi_az_has_a_streaming_standby() {
        let mut d = db();
        d.multi_az = true;
        let p = rds_postgres(&d).unwrap();
        assert_eq!(p.containers.len(), 2);
        let (primary, standby) = (&p.containers[0], &p.containers[1]);
        assert!(primary.cmd.contains(&"wal_level=replica".to_string()));
        assert!(
            primary
                .prelude
                .as_ref()
                .unwrap()
                .contains("host replication all all scram-sha-256")
        );
        assert_eq!(standby.after, vec!["rds/main-db".to_string()]);
        let pre = standby.prelude.as_ref().unwrap();
        assert!(
            pre.contains("pg_basebackup -h 'main-db.cxa1b2c3d4e5.us-east-1.rds.amazonaws.com'"),
            "{pre}"
        );
        assert!(pre.contains("-R -X stream"));
        assert_eq!(p.enis[1].subnet, "10.0.11.0/24".parse().unwrap());
        assert_eq!(p.volumes.len(), 2);
        d.standby_subnet = None;
        assert!(matches!(
            rds_postgres(&d),
            Err(DatastoreError::NoStandbySubnet { .. })
        ));
    }

    fn rg() -> ElastiCacheRedis {
        ElastiCacheRedis {
            id: "sessions".into(),
            engine_version: "7.1".into(),
            replicas: 2,
            port: 6379,
            auth_token: Some(Secret("tok".into())),
            parameters: BTreeMap::from([("maxmemory-policy".into(), "allkeys-lru".into())]),
            network: "vpc/main".into(),
            subnets: vec![
                "10.0.10.0/24".parse().unwrap(),
                "10.0.11.0/24".parse().unwrap(),
            ],
            region: "us-east-1".into(),
            suffix: "abc123".into(),
            resources: Resources::default(),
        }
    }

    #[test]
    fn redis_primary_and_replicas() {
        let p = elasticache_redis(&rg()).unwrap();
        assert_eq!(
            p.endpoint,
            "master.sessions.abc123.use1.cache.amazonaws.com"
        );
        assert_eq!(
            p.reader_endpoint.as_deref(),
            Some("replica.sessions.abc123.use1.cache.amazonaws.com")
        );
        assert_eq!(p.containers.len(), 3);
        let primary = &p.containers[0];
        assert!(
            primary
                .cmd
                .windows(2)
                .any(|w| w == ["--requirepass", "tok"])
        );
        assert!(
            primary
                .cmd
                .windows(2)
                .any(|w| w == ["--maxmemory-policy", "allkeys-lru"])
        );
        assert!(!primary.cmd.contains(&"--replicaof".to_string()));
        assert!(p.enis[0].aliases.contains(&p.endpoint));
        // The bare replication group id names the primary only, as the bare
        // RDS identifier names the RDS primary.
        assert!(p.enis[0].aliases.contains(&"sessions".to_string()));
        assert!(
            p.enis[1..]
                .iter()
                .all(|e| !e.aliases.contains(&"sessions".to_string()))
        );
        assert_eq!(
            (p.endpoint.clone(), p.reader_endpoint.clone().unwrap()),
            elasticache_endpoints("sessions", "abc123", "us-east-1")
        );
        let replica = &p.containers[2];
        assert!(
            replica
                .cmd
                .windows(3)
                .any(|w| w == ["--replicaof", p.endpoint.as_str(), "6379"])
        );
        assert!(replica.cmd.windows(2).any(|w| w == ["--masterauth", "tok"]));
        assert_eq!(replica.after, vec!["elasticache/sessions/001".to_string()]);
        assert!(
            p.enis[2]
                .aliases
                .contains(p.reader_endpoint.as_ref().unwrap())
        );
        assert_eq!(
            p.enis[1].subnet,
            "10.0.11.0/24".parse().unwrap(),
            "nodes spread over subnets"
        );
        // The asked major first; Redis 6 only as a substitute.
        assert_eq!(
            refs(&primary.image.clone()),
            vec!["redis:7", "emul/redis:7", "redis:6", "emul/redis:6"]
        );
        assert!(primary.image.candidates[1].substitute_warning.is_none());
    }

    #[test]
    fn redis_without_replicas_reader_reaches_primary() {
        let mut r = rg();
        r.replicas = 0;
        r.auth_token = None;
        let p = elasticache_redis(&r).unwrap();
        assert_eq!(p.containers.len(), 1);
        assert!(
            p.enis[0]
                .aliases
                .contains(p.reader_endpoint.as_ref().unwrap())
        );
        assert!(!p.containers[0].cmd.contains(&"--requirepass".to_string()));
    }

    #[test]
    fn region_short_codes() {
        assert_eq!(region_short("us-east-1"), "use1");
        assert_eq!(region_short("eu-west-2"), "euw2");
        assert_eq!(region_short("ap-southeast-1"), "apse1");
        assert_eq!(region_short("eu-central-1"), "euc1");
        assert_eq!(endpoint_suffix("shop").len(), 12);
        assert_eq!(endpoint_suffix("shop"), endpoint_suffix("shop"));
    }

    #[test]
    fn custom_ports_reach_server_standby_replicas_and_probes() {
        let mut d = db();
        d.port = 5433;
        d.multi_az = true;
        let p = rds_postgres(&d).unwrap();
        let (primary, standby) = (&p.containers[0], &p.containers[1]);
        for c in [primary, standby] {
            assert!(
                c.cmd.windows(2).any(|w| w == ["-c", "port=5433"]),
                "{:?}",
                c.cmd
            );
            assert!(matches!(
                c.readiness,
                Readiness::Postgres { port: 5433, .. }
            ));
        }
        assert_eq!(primary.env["PGPORT"], "5433");
        let pre = standby.prelude.as_ref().unwrap();
        assert!(pre.contains("' -p 5433 -U 'app'"), "{pre}");
        // The default port leaves the image's command alone.
        let c = &rds_postgres(&db()).unwrap().containers[0];
        assert!(!c.env.contains_key("PGPORT"));
        assert!(matches!(
            c.readiness,
            Readiness::Postgres { port: 5432, .. }
        ));

        let mut r = rg();
        r.port = 6380;
        let p = elasticache_redis(&r).unwrap();
        for c in &p.containers {
            assert!(
                c.cmd.windows(2).any(|w| w == ["--port", "6380"]),
                "{:?}",
                c.cmd
            );
            assert!(matches!(c.readiness, Readiness::Redis { port: 6380, .. }));
        }
        assert!(
            p.containers[1]
                .cmd
                .windows(3)
                .any(|w| w == ["--replicaof", p.endpoint.as_str(), "6380"])
        );
        let c = &elasticache_redis(&rg()).unwrap().containers[0];
        assert!(!c.cmd.contains(&"--port".to_string()));
    }

    #[test]
    fn redis_6_x_asks_for_6_and_falls_back_to_7_with_a_warning() {
        let mut r = rg();
        r.engine_version = "6.x".into();
        let c = &elasticache_redis(&r).unwrap().containers[0];
        assert_eq!(
            refs(&c.image),
            ["redis:6", "emul/redis:6", "redis:7", "emul/redis:7"]
        );
        assert!(c.image.candidates[0].substitute_warning.is_none());
        let w = c.image.candidates[3].substitute_warning.as_deref().unwrap();
        assert!(
            w.contains("sessions asks for Redis 6") && w.contains("running Redis 7"),
            "{w}"
        );
    }
}
