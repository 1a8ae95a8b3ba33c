//! A listener's certificate list (Add/Remove/DescribeListenerCertificates).
//! The default certificate is the one CreateListener/ModifyListener set
//! (`Listener::certificate_arns`); AddListenerCertificates adds to the SNI
//! list, which AWS caps per load balancer. emul stores and describes the
//! ARNs; its data plane serves the certificates its own CA issues for the
//! listener's `certificate_domains` (an ACM ARN carries no key emul could
//! serve).

use super::{Elbv2, limits};
use crate::services::elbv2::errors::ElbError;

impl Elbv2 {
    /// AddListenerCertificates: ARNs already in the list stay once; the
    /// load balancer's SNI certificates (all listeners) are capped.
    pub fn add_listener_certificates(
        &mut self,
        listener_arn: &str,
        arns: &[String],
    ) -> Result<(), ElbError> {
        let listener = self.listener(listener_arn)?;
        let lb = listener.load_balancer_arn.clone();
        let on_lb: usize = self
            .listeners
            .values()
            .filter(|l| l.load_balancer_arn == lb)
            .map(|l| l.sni_certificate_arns.len())
            .sum();
        let new = arns
            .iter()
            .filter(|a| !listener.sni_certificate_arns.contains(a))
            .count();
        if on_lb + new > limits::CERTIFICATES_PER_LOAD_BALANCER {
            return Err(ElbError::TooManyCertificates(format!(
                "You've reached the limit on the number of certificates per load balancer ({})",
                limits::CERTIFICATES_PER_LOAD_BALANCER
            )));
        }
        let l = self
            .listeners
            .get_mut(listener_arn)
            .ok_or_else(ElbError::listeners_not_found)?;
        for a in arns {
            if !l.sni_certificate_arns.contains(a) {
                l.sni_certificate_arns.push(a.clone());
            }
        }
        Ok(())
    }

    /// RemoveListenerCertificates: the default certificate can't be
    /// removed this way; unknown ARNs are ignored.
    pub fn remove_listener_certificates(
        &mut self,
        listener_arn: &str,
        arns: &[String],
    ) -> Result<(), ElbError> {
        let listener = self.listener(listener_arn)?;
        if arns.iter().any(|a| {
            listener.certificate_arns.contains(a) && !listener.sni_certificate_arns.contains(a)
        }) {
            return Err(ElbError::OperationNotPermitted(
                "The default certificate cannot be removed from a listener; use ModifyListener to replace it".into(),
            ));
        }
        let l = self
            .listeners
            .get_mut(listener_arn)
            .ok_or_else(ElbError::listeners_not_found)?;
        l.sni_certificate_arns.retain(|a| !arns.contains(a));
        Ok(())
    }

    /// DescribeListenerCertificates: `(arn, is_default)`, the default
    /// certificate first; one that is also in the SNI list appears twice,
    /// as on AWS.
    pub fn listener_certificates(
        &self,
        listener_arn: &str,
    ) -> Result<Vec<(String, bool)>, ElbError> {
        let l = self.listener(listener_arn)?;
        Ok(l.certificate_arns
            .iter()
            .take(1)
            .map(|a| (a.clone(), true))
            .chain(l.sni_certificate_arns.iter().map(|a| (a.clone(), false)))
            .collect())
    }
}
