//! Which image a container runs.
//!
//! A [`ImageChoice`] lists candidates in preference order; datastores put
//! the official image first and our `emul/` build second for each major
//! version (nearest majors after the asked one). For each candidate in turn:
//!
//! 1. present locally → use it;
//! 2. pullable (an official image) and pulling is allowed → pull it, use it;
//! 3. otherwise go on to the next candidate.
//!
//! So an official image wins when it is present or pullable, and offline
//! machines fall back to the `emul/` images that `scripts/build-images.sh`
//! builds; when none is there and the recipes are on this machine, the
//! resolver runs them for the first `emul/` candidate they know
//! ([`super::image_recipes`]), printing their progress. Pull failures are remembered for the rest of the run, so an
//! offline engine costs one failed pull per image name, not one per
//! container. When nothing is available the error names every image tried
//! and the script.

use std::collections::HashMap;

use super::docker::{Engine, EngineError, ImageDefaults};
use super::image_recipes::Recipes;
use super::plan::ImageChoice;

/// Whether `up` may pull images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    /// Pull official images that are not present locally.
    IfMissing,
    /// Never touch a registry (CI without network, tests).
    Never,
}

/// The image a container will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// The reference used.
    pub reference: String,
    /// Its ENTRYPOINT and CMD (a prelude wraps them).
    pub defaults: ImageDefaults,
    /// Set when this is a substitute for what the topology asked.
    pub warning: Option<String>,
}

/// No candidate is available.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Nothing present, nothing pullable.
    #[error(
        "no image available for {resource}: {tried} — build the emul/ images with `sudo scripts/build-images.sh`, or where a registry answers with the Dockerfile at the root of emul's checkout (`docker build --target agent -t emul/agent:latest .`), or load/pull one of these images"
    )]
    Missing {
        /// The resource that needs it.
        resource: String,
        /// Each candidate with why it was not used.
        tried: String,
    },
    /// The engine failed while looking.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Resolves images for one run, remembering what it learnt.
pub struct ImageResolver<'a> {
    /// The engine asked.
    engine: &'a Engine,
    /// Pull or not.
    policy: PullPolicy,
    /// reference → defaults when present (after a pull too), or the reason it is not.
    known: HashMap<String, Result<ImageDefaults, String>>,
    /// emul's image recipes, when this machine has them: the last resort;
    /// with the tags they make, once asked.
    recipes: Option<(Recipes, Option<Vec<String>>)>,
}

impl<'a> ImageResolver<'a> {
    /// A resolver for one reconcile run.
    pub fn new(engine: &'a Engine, policy: PullPolicy) -> Self {
        ImageResolver {
            engine,
            policy,
            known: HashMap::new(),
            recipes: None,
        }
    }

    /// Also builds an `emul/` image that no candidate finds, from the
    /// recipes (`image_recipes`), when they know its tag.
    pub fn with_recipes(mut self, recipes: Option<Recipes>) -> Self {
        self.recipes = recipes.map(|r| (r, None));
        self
    }

    /// The image `resource` will run.
    pub async fn resolve(
        &mut self,
        resource: &str,
        choice: &ImageChoice,
    ) -> Result<ResolvedImage, ImageError> {
        let mut tried = Vec::new();
        let mut found = None;
        for (index, c) in choice.candidates.iter().enumerate() {
            if !self.known.contains_key(&c.reference) {
                let looked = match self.engine.image_defaults(&c.reference).await? {
                    Some(d) => Ok(d),
                    None if c.pullable && self.policy == PullPolicy::IfMissing => {
                        match self.engine.pull(&c.reference).await {
                            Ok(()) => self
                                .engine
                                .image_defaults(&c.reference)
                                .await?
                                .ok_or_else(|| "pulled but not found".to_string()),
                            Err(e) => Err(format!("not present locally; pull failed: {e}")),
                        }
                    }
                    None if c.pullable => Err("not present locally; pulling disabled".to_string()),
                    None => Err("not present locally".to_string()),
                };
                self.known.insert(c.reference.clone(), looked);
            }
            match &self.known[&c.reference] {
                Ok(d) => {
                    found = Some((index, d.clone()));
                    break;
                }
                Err(why) => tried.push(format!("{} ({why})", c.reference)),
            }
        }
        // An exact match wins; otherwise an `emul/` image the recipes make
        // that is a better match than what was found (or the only one) is
        // built rather than substituted.
        let better = found.as_ref().map_or(choice.candidates.len(), |(i, _)| *i);
        let exact = found
            .as_ref()
            .is_some_and(|(i, _)| choice.candidates[*i].substitute_warning.is_none());
        if !exact
            && let Some(built) = self
                .build_better(&choice.candidates[..better], &mut tried)
                .await?
        {
            return Ok(built);
        }
        if let Some((index, defaults)) = found {
            let c = &choice.candidates[index];
            return Ok(ResolvedImage {
                reference: c.reference.clone(),
                defaults,
                warning: c.substitute_warning.clone(),
            });
        }
        Err(ImageError::Missing {
            resource: resource.to_string(),
            tried: tried.join(", "),
        })
    }

    /// Builds the first of `candidates` the recipes make (`None` when there
    /// are no recipes or they make none); a failed build is added to
    /// `tried`.
    async fn build_better(
        &mut self,
        candidates: &[super::plan::ImageCandidate],
        tried: &mut Vec<String>,
    ) -> Result<Option<ResolvedImage>, ImageError> {
        if let Some((recipes, tags)) = &mut self.recipes
            && tags.is_none()
        {
            *tags = Some(recipes.tags().await);
        }
        let Some((recipes, Some(tags))) = &self.recipes else {
            return Ok(None);
        };
        let Some(c) = candidates
            .iter()
            .find(|c| !c.pullable && tags.contains(&c.reference))
        else {
            return Ok(None);
        };
        if let Err(why) = recipes.build(&c.reference).await {
            tried.push(why);
            return Ok(None);
        }
        let Some(d) = self.engine.image_defaults(&c.reference).await? else {
            tried.push(format!("{} (built, but not found after)", c.reference));
            return Ok(None);
        };
        self.known.insert(c.reference.clone(), Ok(d.clone()));
        Ok(Some(ResolvedImage {
            reference: c.reference.clone(),
            defaults: d,
            warning: c.substitute_warning.clone(),
        }))
    }
}
