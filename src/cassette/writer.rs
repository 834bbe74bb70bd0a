//! The one writer of a recording run: a thread that owns the journal and the cassette being
//! built. Requests hand it interactions and wait for its word that each is durable; it takes all
//! that are waiting, appends them and syncs once (group commit), gives each its ordinal among
//! identical requests, and answers them all. So concurrent recordings are neither lost nor
//! interleaved, and each costs a share of one fsync.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::model::{Cassette, Interaction};
use super::store::CassetteStore;

type Ack = oneshot::Sender<Result<u32, String>>;

enum Job {
    Append(Box<Interaction>, Ack),
    /// Write the cassette and remove the journal; then stop.
    Finish(oneshot::Sender<Result<usize, String>>),
}

pub struct Writer {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// The writer of a run `store` has begun (`CassetteStore::begin`), building on `cassette`.
    pub fn start(store: Box<dyn CassetteStore>, cassette: Cassette) -> Writer {
        let (jobs, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("parlel-cassette".into())
            .spawn(move || run(store, cassette, queue))
            .ok();
        Writer {
            jobs: Mutex::new(Some(jobs)),
            thread: Mutex::new(thread),
        }
    }

    /// Appends `interaction` (its ordinal is set here); returns once it is durable.
    pub async fn append(&self, interaction: Interaction) -> Result<u32, String> {
        let (ack, done) = oneshot::channel();
        self.send(Job::Append(Box::new(interaction), ack))?;
        done.await
            .map_err(|_| "the cassette writer stopped".to_owned())?
    }

    /// Writes the cassette file from the run and removes the journal; the number of
    /// interactions it holds. Later appends are refused.
    pub async fn finish(&self) -> Result<usize, String> {
        let (ack, done) = oneshot::channel();
        self.send(Job::Finish(ack))?;
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let result = done
            .await
            .map_err(|_| "the cassette writer stopped".to_owned())?;
        if let Some(thread) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        result
    }

    fn send(&self, job: Job) -> Result<(), String> {
        let jobs = self
            .jobs
            .lock()
            .map_err(|_| "the cassette writer is unusable".to_owned())?;
        jobs.as_ref()
            .ok_or_else(|| "the recording has finished".to_owned())?
            .send(job)
            .map_err(|_| "the cassette writer stopped".to_owned())
    }
}

fn run(mut store: Box<dyn CassetteStore>, mut cassette: Cassette, queue: mpsc::Receiver<Job>) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for interaction in &cassette.interactions {
        *seen.entry(interaction.request.key()).or_default() += 1;
    }
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter());
        let mut appended: Vec<(Interaction, Ack)> = Vec::new();
        let mut finish = None;
        for job in batch {
            match job {
                Job::Append(interaction, ack) => {
                    let mut interaction = *interaction;
                    let count = seen.entry(interaction.request.key()).or_default();
                    interaction.ordinal = *count;
                    *count += 1;
                    appended.push((interaction, ack));
                }
                Job::Finish(ack) => finish = Some(ack),
            }
        }
        if !appended.is_empty() {
            let documents: Vec<&Interaction> = appended.iter().map(|(i, _)| i).collect();
            let written = store.append(&documents);
            for (interaction, ack) in appended {
                let answer = written.clone().map(|()| interaction.ordinal);
                if written.is_ok() {
                    cassette.interactions.push(interaction);
                } else if let Some(count) = seen.get_mut(&interaction.request.key()) {
                    // Not kept: the next identical request takes its place.
                    *count = count.saturating_sub(1);
                }
                let _ = ack.send(answer);
            }
        }
        if let Some(ack) = finish {
            let count = cassette.interactions.len();
            // A run that recorded nothing leaves the cassette as it was (or absent: a cassette
            // no request named is not made).
            let keep = (count > 0).then_some(&cassette);
            let _ = ack.send(store.commit(keep).map(|()| count));
            return;
        }
    }
}
