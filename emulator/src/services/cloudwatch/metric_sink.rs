//! CloudWatch as the [`MetricSink`] the ECS scheduler and the ALB data
//! plane push their measured `AWS/ECS` and `AWS/ApplicationELB`
//! datapoints into.

use super::model::Datum;
use super::service::CloudWatch;
use crate::wiring::{MetricDatum, MetricSink};

impl MetricSink for CloudWatch {
    fn put(&self, _account: &str, region: &str, data: Vec<MetricDatum>) {
        // One CloudWatch serves one account (the project's): every datum
        // measured by this emul belongs to it.
        for d in data {
            CloudWatch::put(
                self,
                region,
                Datum {
                    namespace: d.namespace.to_string(),
                    metric_name: d.name.to_string(),
                    dimensions: d.dimensions,
                    value: d.value,
                    unit: d.unit.to_string(),
                    timestamp: d.timestamp,
                },
            );
        }
    }
}
