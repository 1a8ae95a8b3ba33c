//! The `awslogs` log driver's destination: [`CloudWatchLogs`] as the
//! [`TaskLogSink`] the ECS scheduler opens and the runtime's log copies
//! write to (`wiring.rs`), so runtime code never imports this service.

use super::errors::LogsError;
use super::model::Scope;
use super::service::CloudWatchLogs;
use crate::wiring::{LogDestination, TaskLogSink, WiringError};

/// The stopped reason of a task whose awslogs group does not exist and
/// may not be created: the text the Fargate agent reports.
pub const MISSING_GROUP_REASON: &str = "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1";

fn scope(dest: &LogDestination) -> Scope {
    Scope {
        account: dest.account.clone(),
        region: dest.region.clone(),
    }
}

impl TaskLogSink for CloudWatchLogs {
    fn open(&self, dest: &LogDestination) -> Result<(), WiringError> {
        self.ensure_stream(&scope(dest), &dest.group, &dest.stream, dest.create_group)
            .map_err(|e| match e {
                LogsError::GroupNotFound => WiringError(MISSING_GROUP_REASON.into()),
                other => WiringError(format!(
                    "ResourceInitializationError: failed to validate logger args: {}: {other}",
                    other.code()
                )),
            })
    }

    fn put(&self, dest: &LogDestination, lines: Vec<(i64, String)>) -> Result<(), WiringError> {
        self.put_lines(&scope(dest), &dest.group, &dest.stream, lines)
            .map(|_| ())
            .map_err(|e| WiringError(format!("{}: {e}", e.code())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(create_group: bool) -> LogDestination {
        LogDestination {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            group: "/ecs/web".into(),
            stream: "ecs/app/0123456789abcdef0123456789abcdef".into(),
            create_group,
        }
    }

    #[test]
    fn a_missing_group_fails_unless_it_may_be_created() {
        let logs = CloudWatchLogs::in_memory();
        assert_eq!(logs.open(&dest(false)).unwrap_err().0, MISSING_GROUP_REASON);
        logs.open(&dest(true)).unwrap();
        // Opening again (a restarted container) is fine.
        logs.open(&dest(false)).unwrap();
        let now = crate::services::logs::service::now_ms();
        logs.put(
            &dest(false),
            vec![(now, "a".into()), (now, "".into()), (now + 1, "b".into())],
        )
        .unwrap();
        let messages = logs
            .read(&scope(&dest(false)), |r| {
                let (_, s) = r.stream("/ecs/web", &dest(false).stream)?;
                Ok(s.events
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>())
            })
            .unwrap();
        assert_eq!(messages, ["a", "b"]);
    }
}
