//! Saved plans (`recon plan --out FILE`). A saved plan carries the stack files and
//! variable values it was made from and the state serial and lineage it was made
//! against; `recon apply FILE` replans from exactly those inputs and refuses when
//! the state moved on or the result differs from what was saved.

use super::planner::PlanOptions;
use super::Plan;
use crate::addr::InstanceAddr;
use crate::value::{Object, Value};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub recon_version: String,
    pub stack_dir: PathBuf,
    pub sources: Vec<SavedSource>,
    pub variables: serde_json::Value,
    pub destroy: bool,
    pub state_serial: u64,
    /// Empty when the plan was made with no state at all.
    pub state_lineage: String,
    /// `address` → Terraform-style actions, to check a replan matches.
    pub actions: Vec<(String, Vec<String>)>,
    /// Addresses the operator allowed to lose data when planning.
    #[serde(default)]
    pub allow_data_loss: Vec<String>,
    /// `--target` and `--replace` as planned: the replan uses them too.
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub replace: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedSource {
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read plan file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("plan file {path} has format {found}; this recon reads format {FORMAT}")]
    Format { path: String, found: u32 },
    #[error("the saved plan is stale: it was made against state serial {planned_serial} (lineage {planned_lineage:?}), the state is now serial {serial} (lineage {lineage:?}); run recon plan again")]
    Stale {
        planned_serial: u64,
        planned_lineage: String,
        serial: u64,
        lineage: String,
    },
    #[error(
        "the saved plan no longer matches what recon would do: {detail}; run recon plan again"
    )]
    Diverged { detail: String },
}

pub fn actions_of(plan: &Plan) -> Vec<(String, Vec<String>)> {
    plan.actionable()
        .map(|c| {
            (
                c.addr.to_string(),
                c.action
                    .json_actions()
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )
        })
        .collect()
}

impl SavedPlan {
    /// `state_exists` false: the plan was made before any state was written, and
    /// stays valid only while none is.
    pub fn new(
        plan: &Plan,
        state_exists: bool,
        stack_dir: &Path,
        sources: Vec<(PathBuf, String)>,
        variables: &Object,
    ) -> SavedPlan {
        SavedPlan {
            format_version: FORMAT,
            recon_version: env!("CARGO_PKG_VERSION").to_string(),
            stack_dir: stack_dir.to_path_buf(),
            sources: sources
                .into_iter()
                .map(|(path, text)| SavedSource { path, text })
                .collect(),
            variables: Value::Object(variables.clone()).to_json(),
            destroy: plan.destroy,
            state_serial: plan.state_serial,
            state_lineage: if state_exists {
                plan.state_lineage.clone()
            } else {
                String::new()
            },
            actions: actions_of(plan),
            allow_data_loss: Vec::new(),
            targets: Vec::new(),
            replace: Vec::new(),
        }
    }

    /// Records the plan's `--target` / `--replace` addresses.
    pub fn with_targeting(mut self, opts: &PlanOptions) -> SavedPlan {
        self.targets = opts.targets.iter().map(ToString::to_string).collect();
        self.replace = opts.replace.iter().map(ToString::to_string).collect();
        self
    }

    /// The options to plan again exactly as this plan was made.
    pub fn plan_options(&self) -> Result<PlanOptions, SavedPlanError> {
        let parse = |list: &[String]| {
            list.iter()
                .map(|a| {
                    a.parse::<InstanceAddr>()
                        .map_err(|e| SavedPlanError::Diverged {
                            detail: format!("bad address in the plan file: {e}"),
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(PlanOptions {
            destroy: self.destroy,
            refresh: true,
            targets: parse(&self.targets)?,
            replace: parse(&self.replace)?,
        })
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        // It holds the variable values, secrets included: owner-only, as state.
        crate::state::write_private(path, text.as_bytes())
    }

    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| SavedPlanError::Unreadable {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let saved: SavedPlan =
            serde_json::from_slice(&bytes).map_err(|e| SavedPlanError::Unreadable {
                path: shown.clone(),
                reason: format!("not a recon plan file ({e})"),
            })?;
        if saved.format_version != FORMAT {
            return Err(SavedPlanError::Format {
                path: shown,
                found: saved.format_version,
            });
        }
        Ok(saved)
    }

    pub fn variables(&self) -> Object {
        match Value::from_json(&self.variables) {
            Value::Object(map) => map,
            _ => Object::new(),
        }
    }

    pub fn sources(&self) -> Vec<(PathBuf, String)> {
        self.sources
            .iter()
            .map(|s| (s.path.clone(), s.text.clone()))
            .collect()
    }

    /// `current` is the (lineage, serial) of the state now, None when there is none.
    pub fn check_state(&self, current: Option<(&str, u64)>) -> Result<(), SavedPlanError> {
        let (lineage, serial) = current.unwrap_or(("", 0));
        if serial != self.state_serial || lineage != self.state_lineage {
            return Err(SavedPlanError::Stale {
                planned_serial: self.state_serial,
                planned_lineage: self.state_lineage.clone(),
                serial,
                lineage: lineage.to_string(),
            });
        }
        Ok(())
    }

    /// The replan must do exactly what was saved.
    pub fn check_matches(&self, replan: &Plan) -> Result<(), SavedPlanError> {
        let now = actions_of(replan);
        if now == self.actions {
            return Ok(());
        }
        let show = |a: &[(String, Vec<String>)]| {
            a.iter()
                .map(|(addr, act)| format!("{addr} {}", act.join("+")))
                .collect::<Vec<_>>()
        };
        let (saved, current) = (show(&self.actions), show(&now));
        let missing: Vec<&String> = saved.iter().filter(|s| !current.contains(s)).collect();
        let extra: Vec<&String> = current.iter().filter(|s| !saved.contains(s)).collect();
        Err(SavedPlanError::Diverged {
            detail: format!(
                "saved but no longer planned: {missing:?}; planned now but not saved: {extra:?}"
            ),
        })
    }
}
