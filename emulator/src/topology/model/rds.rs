//! RDS Postgres instances (`aws_db_instance` + its parameter group and DB
//! subnet group).

use super::secrets::ValueFrom;
use crate::string_enum;
use crate::topology::decode::{Cx, Decode, FreeMap, Scalar, free_map};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::Node;

string_enum! {
    /// The database engine. Only Postgres is emulated.
    pub enum DbEngine: "engine" {
        /// PostgreSQL.
        Postgres = ["postgres"],
    }
}

string_enum! {
    /// `storage_type`; informational.
    pub enum StorageType: "storage type" {
        /// General purpose SSD, 3rd generation (default).
        Gp3 = ["gp3"],
        /// General purpose SSD.
        Gp2 = ["gp2"],
        /// Provisioned IOPS.
        Io1 = ["io1"],
        /// Provisioned IOPS, 2nd generation.
        Io2 = ["io2"],
        /// Magnetic.
        Standard = ["standard"],
    }
}

/// One RDS instance.
#[derive(Debug, Clone, Default)]
pub struct DbInstance {
    /// `identifier`; also the DNS name tasks connect to.
    pub name: Spanned<String>,
    /// Always Postgres.
    pub engine: Spanned<DbEngine>,
    /// Version as written (`15.4`); the image is chosen from its major.
    pub engine_version: Spanned<String>,
    /// `db.*` class; informational.
    pub instance_class: Spanned<String>,
    /// GiB; informational.
    pub allocated_storage: Spanned<i64>,
    /// Informational.
    pub storage_type: StorageType,
    /// Database created at start (`POSTGRES_DB`).
    pub db_name: Option<Spanned<String>>,
    /// Master user (`POSTGRES_USER`).
    pub username: Spanned<String>,
    /// RDS generates the password into an `rds!db-…` secret.
    pub manage_master_user_password: Spanned<bool>,
    /// The secret holding the master password, when not managed by RDS.
    pub master_password_secret: Option<Spanned<ValueFrom>>,
    /// Listening port.
    pub port: Spanned<i64>,
    /// Runs a standby.
    pub multi_az: bool,
    /// Parameter group settings, passed as `-c name=value`.
    pub parameters: FreeMap<Scalar>,
    /// DB subnet group (subnet names).
    pub subnets: Vec<Spanned<String>>,
    /// Security group names.
    pub security_groups: Vec<Spanned<String>>,
    /// Where the instance's mapping starts.
    pub span: Span,
}

impl Decode for DbInstance {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "an RDS instance");
        let d = DbInstance {
            name: m.req(cx, "name"),
            engine: m.or(cx, "engine", Spanned::new(DbEngine::Postgres, node.span)),
            engine_version: m.req(cx, "engine_version"),
            instance_class: m.or(
                cx,
                "instance_class",
                Spanned::new("db.t3.micro".into(), node.span),
            ),
            allocated_storage: m.or(cx, "allocated_storage", Spanned::new(20, node.span)),
            storage_type: m.or(cx, "storage_type", StorageType::Gp3),
            db_name: m.opt(cx, "db_name"),
            username: m.req(cx, "username"),
            manage_master_user_password: m.or(
                cx,
                "manage_master_user_password",
                Spanned::new(false, node.span),
            ),
            master_password_secret: m.opt(cx, "master_password_secret"),
            port: m.or(cx, "port", Spanned::new(5432, node.span)),
            multi_az: m.or(cx, "multi_az", false),
            parameters: m
                .node("parameters")
                .map(|n| free_map(n, cx, "`parameters`"))
                .unwrap_or_default(),
            subnets: m.req(cx, "subnets"),
            security_groups: m.or(cx, "security_groups", Vec::new()),
            span: node.span,
        };
        m.finish(cx);
        d
    }
}
