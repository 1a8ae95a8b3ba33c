//! PutMetricData: validates every datum first, then records them all.

use serde_json::{Value, json};

use super::{dimensions, double, integer, list, required, string, timestamp};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::model::{MetricKey, Millis, Sample, UNITS};
use crate::services::cloudwatch::service::CloudWatch;

/// AWS rejects timestamps more than two hours ahead or two weeks back.
const FUTURE_MS: Millis = 2 * 3600 * 1000;
const PAST_MS: Millis = 14 * 24 * 3600 * 1000;

pub fn run(cw: &CloudWatch, region: &str, body: &Value, now: Millis) -> Result<Value, AwsError> {
    let namespace = required(body, "Namespace", "Namespace")?;
    if namespace.starts_with("AWS/") {
        // AWS wording: the AWS/ namespaces are reserved for AWS services.
        return Err(errors::invalid_param("Namespace", &namespace));
    }
    let data = list(body, "MetricData");
    if data.is_empty() {
        return Err(errors::missing("MetricData"));
    }
    if data.len() > 1000 {
        return Err(errors::invalid_value(
            "The collection MetricData must not have a size greater than 1000.",
        ));
    }
    let mut samples = Vec::with_capacity(data.len());
    for (i, d) in data.iter().enumerate() {
        let at = format!("MetricData.member.{}", i + 1);
        samples.push(datum(d, &at, &namespace, now)?);
    }
    let mut model = cw.model();
    for (key, sample) in samples {
        model.put_sample(region, key, sample, now);
    }
    Ok(json!({}))
}

fn datum(
    d: &Value,
    at: &str,
    namespace: &str,
    now: Millis,
) -> Result<(MetricKey, Sample), AwsError> {
    let p = |name: &str| format!("{at}.{name}");
    let name = required(d, "MetricName", &p("MetricName"))?;
    let dims = dimensions(d, "Dimensions", &p("Dimensions"))?;
    let when = timestamp(d, "Timestamp", &p("Timestamp"))?.unwrap_or(now);
    if when > now + FUTURE_MS {
        // Closest AWS wording.
        return Err(errors::invalid_value(format!(
            "The parameter {} must specify a time no more than two hours in the future.",
            p("Timestamp")
        )));
    }
    if when < now - PAST_MS {
        return Err(errors::invalid_value(format!(
            "The parameter {} must specify a time within the past two weeks.",
            p("Timestamp")
        )));
    }
    let unit = string(d, "Unit").unwrap_or_else(|| "None".into());
    if !UNITS.contains(&unit.as_str()) {
        return Err(errors::invalid_param(&p("Unit"), &unit));
    }
    if let Some(r) = integer(d, "StorageResolution", &p("StorageResolution"))?
        && r != 1
        && r != 60
    {
        return Err(errors::invalid_param(
            &p("StorageResolution"),
            &r.to_string(),
        ));
    }
    let value = double(d, "Value", &p("Value"))?;
    let has_values = d.get("Values").is_some();
    let stats = d.get("StatisticValues").filter(|v| v.is_object());
    if value.is_some() && stats.is_some() {
        return Err(errors::exclusive(&p("Value"), &p("StatisticValues")));
    }
    if value.is_some() && has_values {
        return Err(errors::exclusive(&p("Value"), &p("Values")));
    }
    if has_values && stats.is_some() {
        return Err(errors::exclusive(&p("Values"), &p("StatisticValues")));
    }
    let finite = |v: f64, param: String| {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(errors::invalid_param(&param, &v.to_string()))
        }
    };
    let key = MetricKey::new(namespace, &name, &dims);
    let sample = if let Some(v) = value {
        Sample::single(when, finite(v, p("Value"))?, &unit)
    } else if let Some(s) = stats {
        let sp = |m: &str| format!("{at}.StatisticValues.{m}");
        let get = |m: &str| -> Result<f64, AwsError> {
            finite(
                double(s, m, &sp(m))?.ok_or_else(|| errors::missing(&sp(m)))?,
                sp(m),
            )
        };
        let (count, sum, min, max) = (
            get("SampleCount")?,
            get("Sum")?,
            get("Minimum")?,
            get("Maximum")?,
        );
        if count <= 0.0 || min > max {
            // Closest AWS wording.
            return Err(errors::invalid_value(format!(
                "The parameter {at}.StatisticValues is invalid: SampleCount must be positive and Minimum at most Maximum."
            )));
        }
        Sample {
            at: when,
            unit: unit.clone(),
            count,
            sum,
            min,
            max,
            values: Vec::new(),
        }
    } else if has_values {
        let values = list(d, "Values");
        let counts = list(d, "Counts");
        if values.is_empty() {
            return Err(errors::missing(&p("Values")));
        }
        if !counts.is_empty() && counts.len() != values.len() {
            // Closest AWS wording.
            return Err(errors::invalid_value(format!(
                "The parameters {} and {} must be of the same size.",
                p("Values"),
                p("Counts")
            )));
        }
        let num = |v: &Value, param: String| -> Result<f64, AwsError> {
            let wrapped = json!({ "v": v });
            finite(double(&wrapped, "v", &param)?.unwrap_or(f64::NAN), param)
        };
        let mut pairs = Vec::with_capacity(values.len());
        for (j, v) in values.iter().enumerate() {
            let c = match counts.get(j) {
                Some(c) => num(c, format!("{}.member.{}", p("Counts"), j + 1))?,
                None => 1.0,
            };
            pairs.push((num(v, format!("{}.member.{}", p("Values"), j + 1))?, c));
        }
        if pairs.iter().all(|(_, c)| *c <= 0.0) {
            return Err(errors::invalid_param(&p("Counts"), "0"));
        }
        Sample::values(when, &pairs, &unit)
    } else {
        return Err(errors::missing(&p("Value")));
    };
    Ok((key, sample))
}
