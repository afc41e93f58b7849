//! `recon force-unlock LOCK_ID [--force]`: removes a lock whose holder is gone
//! (killed, crashed, lost its network). Needs the lock's ID, so that a lock
//! taken since by someone else is never removed by mistake.

use super::{CliError, Ctx, EXIT_ERROR, EXIT_OK};
use crate::state::StateError;
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Args, Debug)]
pub struct ForceUnlockArgs {
    /// The lock ID, as printed by the command that found the state locked.
    pub lock_id: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
}

pub async fn run(ctx: &Ctx, args: &ForceUnlockArgs) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    let backend = ctx.backend(&stack).await?;
    let location = backend.describe();
    let failed = |e: StateError| CliError::Failed(e.to_string());
    let Some(holder) = backend.lock_info().await.map_err(failed)? else {
        return Err(CliError::Failed(format!(
            "the state at {location} is not locked; there is nothing to unlock"
        )));
    };
    if holder.id != args.lock_id {
        return Err(failed(StateError::LockMismatch {
            location,
            wanted: args.lock_id.clone(),
            holder: Box::new(holder),
        }));
    }
    let age = holder.age().map(|a| format!(" ({a})")).unwrap_or_default();
    outln!(
        "The state at {location} is locked:\n  Lock ID:    {}\n  Held by:    {}\n  Operation:  {}\n  Since:      {}{age}",
        holder.id, holder.who, holder.operation, holder.created
    );
    if !args.force {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Failed(
                "no terminal to confirm on: pass --force to remove the lock without asking".into(),
            ));
        }
        out!(
            "\nRemoving a lock that a running recon still holds lets two writers race (its writes stay conditional, so\n\
             neither can overwrite the other, but one of them will stop). Remove it?\n  Only 'yes' will be accepted.\n\n  Enter a value: "
        );
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Failed(format!("reading the answer: {e}")))?;
        if line.trim() != "yes" {
            outln!("Lock kept.");
            return Ok(EXIT_ERROR);
        }
    }
    backend.unlock(&args.lock_id).await.map_err(failed)?;
    outln!(
        "\nThe lock was removed. Whatever its holder did before it stopped is in the state (recon writes state as each\n\
         resource lands); run `{}` to see where things stand.",
        ctx.backend.command("plan")
    );
    Ok(EXIT_OK)
}
