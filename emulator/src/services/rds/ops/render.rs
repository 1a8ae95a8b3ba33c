//! The `DBInstance` structure, as every instance-returning operation
//! renders it.

use super::super::model::DbInstance;
use crate::gateway::query::{XmlWriter, iso8601};

/// `<Name><item>…</item>…</Name>`: an awsQuery list whose members carry
/// their own element name (RDS's and ElastiCache's `locationName`).
pub fn named_list<T>(
    w: &mut XmlWriter,
    name: &str,
    item: &str,
    items: &[T],
    mut each: impl FnMut(&mut XmlWriter, &T),
) {
    w.node(name, |w| {
        for i in items {
            w.node(item, |m| each(m, i));
        }
    });
}

/// The members of one `DBInstance`.
pub fn db_instance(w: &mut XmlWriter, db: &DbInstance) {
    w.leaf("DBInstanceIdentifier", &db.id)
        .leaf("DBInstanceClass", &db.instance_class)
        .leaf("Engine", &db.engine)
        .leaf("DBInstanceStatus", db.status.as_str())
        .leaf("MasterUsername", &db.master_username);
    if let Some(name) = &db.db_name {
        w.leaf("DBName", name);
    }
    w.node("Endpoint", |e| {
        e.leaf("Address", &db.address)
            .leaf("Port", &db.port.to_string())
            .leaf("HostedZoneId", &db.hosted_zone_id);
    })
    .leaf("AllocatedStorage", &db.allocated_storage.to_string())
    .leaf("InstanceCreateTime", &iso8601(db.created_ms));
    named_list(
        w,
        "VpcSecurityGroups",
        "VpcSecurityGroupMembership",
        &db.security_groups,
        |m, id| {
            m.leaf("VpcSecurityGroupId", id).leaf("Status", "active");
        },
    );
    w.leaf("AvailabilityZone", &db.availability_zone);
    w.node("DBSubnetGroup", |g| {
        g.leaf("DBSubnetGroupName", &db.subnet_group)
            .leaf("DBSubnetGroupDescription", &db.subnet_group)
            .leaf("VpcId", &db.vpc_id)
            .leaf("SubnetGroupStatus", "Complete");
        named_list(g, "Subnets", "Subnet", &db.subnets, |s, sub| {
            s.leaf("SubnetIdentifier", &sub.id)
                .node("SubnetAvailabilityZone", |z| {
                    z.leaf("Name", &sub.availability_zone);
                })
                .leaf("SubnetStatus", "Active");
        });
    });
    w.node("PendingModifiedValues", |_| {})
        .leaf("MultiAZ", if db.multi_az { "true" } else { "false" })
        .leaf("EngineVersion", &db.engine_version);
    if let Some(z) = &db.secondary_availability_zone {
        w.leaf("SecondaryAvailabilityZone", z);
    }
    w.leaf("PubliclyAccessible", "false")
        .leaf("StorageType", &db.storage_type)
        .leaf("DbInstancePort", "0")
        .leaf("DBInstanceArn", &db.arn);
}

/// `<DBInstance>…</DBInstance>` as the single result of an operation.
pub fn single(db: &DbInstance) -> String {
    let mut w = XmlWriter::new();
    w.node("DBInstance", |w| db_instance(w, db));
    w.finish()
}
