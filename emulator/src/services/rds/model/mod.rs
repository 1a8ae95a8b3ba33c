//! The RDS model: DB instances and their events (pure, no I/O).
//!
//! State machine of an instance, as far as emul operates it:
//!
//! ```text
//!  available ──RebootDBInstance──▶ rebooting ──finish_reboot──▶ available
//!      │          (ForceFailover on Multi-AZ: AZs swap at the end)
//!      └──ModifyDBInstance(MasterUserPassword)──▶ resetting-master-credentials
//!                                   ──finish_password──▶ available
//! ```
//!
//! Only an `available` instance takes a reboot or a new password
//! (`InvalidDBInstanceState` otherwise), as in AWS.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::errors::RdsError;

/// `DBInstanceStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbStatus {
    /// `available`.
    Available,
    /// `rebooting` (also during a Multi-AZ failover).
    Rebooting,
    /// `resetting-master-credentials`.
    ResettingMasterCredentials,
}

impl DbStatus {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            DbStatus::Available => "available",
            DbStatus::Rebooting => "rebooting",
            DbStatus::ResettingMasterCredentials => "resetting-master-credentials",
        }
    }
}

/// A subnet of the instance's DB subnet group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSubnet {
    /// `subnet-…`.
    pub id: String,
    /// Its availability zone.
    pub availability_zone: String,
}

/// One DB instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbInstance {
    /// `DBInstanceIdentifier`.
    pub id: String,
    /// `arn:aws:rds:<region>:<account>:db:<id>`.
    pub arn: String,
    /// `postgres`.
    pub engine: String,
    /// As the topology asks (what the API reports).
    pub engine_version: String,
    /// `db.t3.micro`.
    pub instance_class: String,
    /// Initial database name.
    pub db_name: Option<String>,
    /// Master user name.
    pub master_username: String,
    /// Endpoint address (the name that follows the primary).
    pub address: String,
    /// Endpoint port.
    pub port: u16,
    /// `Endpoint.HostedZoneId` of the region.
    pub hosted_zone_id: String,
    /// Current status.
    pub status: DbStatus,
    /// A Multi-AZ deployment (a standby runs).
    pub multi_az: bool,
    /// The AZ of the current primary.
    pub availability_zone: String,
    /// The AZ of the standby (Multi-AZ only).
    pub secondary_availability_zone: Option<String>,
    /// `DBSubnetGroupName` (emul names it after the instance).
    pub subnet_group: String,
    /// `VpcId` of the subnet group.
    pub vpc_id: String,
    /// The subnet group's subnets.
    pub subnets: Vec<GroupSubnet>,
    /// `sg-…` ids.
    pub security_groups: Vec<String>,
    /// `AllocatedStorage` (GiB).
    pub allocated_storage: i64,
    /// `StorageType`.
    pub storage_type: String,
    /// `InstanceCreateTime`, ms since the epoch.
    pub created_ms: i64,
    /// Which node serves as primary: `false` the topology's primary, `true`
    /// the topology's standby (after an odd number of failovers).
    pub failed_over: bool,
}

impl DbInstance {
    /// The standby became the primary: its zone is the primary's now.
    fn swap_roles(&mut self) {
        if let Some(secondary) = self.secondary_availability_zone.take() {
            let primary = std::mem::replace(&mut self.availability_zone, secondary);
            self.secondary_availability_zone = Some(primary);
        }
        self.failed_over = !self.failed_over;
    }
}

/// `SourceType` of an event.
pub const SOURCE_DB_INSTANCE: &str = "db-instance";

/// One RDS event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `SourceIdentifier`.
    pub source_id: String,
    /// `SourceArn`.
    pub source_arn: String,
    /// `SourceType`.
    pub source_type: &'static str,
    /// AWS's message text.
    pub message: &'static str,
    /// `EventCategories`.
    pub categories: &'static [&'static str],
    /// `Date`, ms since the epoch.
    pub date_ms: i64,
}

/// AWS's event texts and categories (RDS-EVENT-…).
pub mod messages {
    /// RDS-EVENT-0013.
    pub const FAILOVER_STARTED: (&str, &[&str]) =
        ("Multi-AZ instance failover started.", &["failover"]);
    /// RDS-EVENT-0049.
    pub const FAILOVER_COMPLETED: (&str, &[&str]) =
        ("Multi-AZ instance failover completed.", &["failover"]);
    /// RDS-EVENT-0006.
    pub const RESTARTED: (&str, &[&str]) = ("DB instance restarted", &["availability"]);
    /// RDS-EVENT-0004.
    pub const SHUTDOWN: (&str, &[&str]) = ("DB instance shutdown", &["availability"]);
    /// RDS-EVENT-0016.
    pub const RESET_CREDENTIALS: (&str, &[&str]) =
        ("Reset master credentials", &["configuration change"]);
}

/// How long RDS keeps events (14 days).
pub const EVENT_RETENTION_MS: i64 = 14 * 24 * 3600 * 1000;

/// The RDS state of one account and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rds {
    /// Instances by identifier.
    pub instances: BTreeMap<String, DbInstance>,
    /// Events, oldest first.
    pub events: Vec<Event>,
}

/// Which filters DescribeEvents applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// `SourceIdentifier`.
    pub source_id: Option<String>,
    /// `SourceType`.
    pub source_type: Option<String>,
    /// `EventCategories` (any of).
    pub categories: Vec<String>,
    /// Events at or after (ms).
    pub start_ms: i64,
    /// Events at or before (ms).
    pub end_ms: i64,
}

impl Rds {
    /// An instance, or `DBInstanceNotFound`.
    pub fn instance(&self, id: &str) -> Result<&DbInstance, RdsError> {
        self.instances
            .get(id)
            .ok_or_else(|| RdsError::DbInstanceNotFound(id.to_string()))
    }

    fn instance_mut(&mut self, id: &str) -> Result<&mut DbInstance, RdsError> {
        self.instances
            .get_mut(id)
            .ok_or_else(|| RdsError::DbInstanceNotFound(id.to_string()))
    }

    /// DescribeDBInstances: one instance or all, by identifier.
    pub fn describe(&self, id: Option<&str>) -> Result<Vec<DbInstance>, RdsError> {
        match id {
            Some(id) => Ok(vec![self.instance(id)?.clone()]),
            None => Ok(self.instances.values().cloned().collect()),
        }
    }

    fn record(
        &mut self,
        id: &str,
        (message, categories): (&'static str, &'static [&'static str]),
        now_ms: i64,
    ) {
        let source_arn = self
            .instances
            .get(id)
            .map(|i| i.arn.clone())
            .unwrap_or_default();
        self.events
            .retain(|e| now_ms - e.date_ms <= EVENT_RETENTION_MS);
        self.events.push(Event {
            source_id: id.to_string(),
            source_arn,
            source_type: SOURCE_DB_INSTANCE,
            message,
            categories,
            date_ms: now_ms,
        });
    }

    /// RebootDBInstance: checks, then marks the instance `rebooting`; a
    /// failover records its start. The runtime does the work, then
    /// [`Rds::finish_reboot`].
    pub fn begin_reboot(
        &mut self,
        id: &str,
        force_failover: bool,
        now_ms: i64,
    ) -> Result<DbInstance, RdsError> {
        let db = self.instance_mut(id)?;
        if db.status != DbStatus::Available {
            return Err(RdsError::not_available(id));
        }
        if force_failover && !db.multi_az {
            return Err(RdsError::not_multi_az(id));
        }
        db.status = DbStatus::Rebooting;
        let shown = db.clone();
        if force_failover {
            self.record(id, messages::FAILOVER_STARTED, now_ms);
        } else {
            self.record(id, messages::SHUTDOWN, now_ms);
        }
        Ok(shown)
    }

    /// The runtime finished a reboot: `available` again. After a failover
    /// that happened (`failed_over`), the AZs swap (the standby's zone is
    /// the primary's now) and the completion is recorded.
    pub fn finish_reboot(&mut self, id: &str, failover: bool, succeeded: bool, now_ms: i64) {
        let Ok(db) = self.instance_mut(id) else {
            return;
        };
        db.status = DbStatus::Available;
        if failover && succeeded {
            db.swap_roles();
        }
        self.record(id, messages::RESTARTED, now_ms);
        if failover && succeeded {
            self.record(id, messages::FAILOVER_COMPLETED, now_ms);
        }
    }

    /// At `up`: the topology's standby node holds the primary's data (it
    /// was promoted by a failover before the last restart), so the instance
    /// is shown failed over (zones swapped), without new events.
    pub fn serving_from_standby_node(&mut self, id: &str) {
        if let Ok(db) = self.instance_mut(id)
            && db.multi_az
            && !db.failed_over
        {
            db.swap_roles();
        }
    }

    /// ModifyDBInstance with a new master password: checks it (AWS's rules
    /// for PostgreSQL: 8 to 128 printable ASCII characters other than `/`,
    /// `"`, `@` and space), marks the instance `resetting-master-credentials`.
    pub fn begin_password(&mut self, id: &str, password: &str) -> Result<(), RdsError> {
        let db = self.instance_mut(id)?;
        if db.status != DbStatus::Available {
            return Err(RdsError::not_available(id));
        }
        validate_password(password)?;
        db.status = DbStatus::ResettingMasterCredentials;
        Ok(())
    }

    /// The runtime applied (or failed to apply) the new password.
    pub fn finish_password(&mut self, id: &str, succeeded: bool, now_ms: i64) {
        if let Ok(db) = self.instance_mut(id) {
            db.status = DbStatus::Available;
        }
        if succeeded {
            self.record(id, messages::RESET_CREDENTIALS, now_ms);
        }
    }

    /// DescribeEvents, oldest first.
    pub fn events(&self, q: &EventQuery) -> Vec<Event> {
        self.events
            .iter()
            .filter(|e| q.source_id.as_deref().is_none_or(|s| s == e.source_id))
            .filter(|e| q.source_type.as_deref().is_none_or(|t| t == e.source_type))
            .filter(|e| {
                q.categories.is_empty()
                    || e.categories
                        .iter()
                        .any(|c| q.categories.iter().any(|q| q == c))
            })
            .filter(|e| e.date_ms >= q.start_ms && e.date_ms <= q.end_ms)
            .cloned()
            .collect()
    }
}

/// AWS's master password rule for PostgreSQL.
pub fn validate_password(password: &str) -> Result<(), RdsError> {
    let invalid = |why: &str| {
        Err(RdsError::InvalidParameterValue(format!(
            "The parameter MasterUserPassword is not a valid password{why}"
        )))
    };
    let len = password.chars().count();
    if len < 8 {
        return invalid(" because it is shorter than 8 characters.");
    }
    if len > 128 {
        return invalid(" because it is longer than 128 characters.");
    }
    if password
        .chars()
        .any(|c| !c.is_ascii_graphic() || matches!(c, '/' | '"' | '@'))
    {
        return invalid(
            ". Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.",
        );
    }
    Ok(())
}
