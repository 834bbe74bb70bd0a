//! Work over a large slice spread over the machine's threads (at most eight), in order: what
//! loading a cassette of 100,000 interactions does at start-up (YAML items, sled values, each
//! interaction made ready).

/// `work` over `items` cut into one run per thread; each run gets its offset in `items`. The
/// runs' results in order, or the first error.
pub fn in_runs<T: Send, U: Send, E: Send>(
    items: &mut [T],
    work: impl Fn(usize, &mut [T]) -> Result<Vec<U>, E> + Sync,
) -> Result<Vec<U>, E> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let per_run = items.len().div_ceil(threads).max(1);
    let work = &work;
    let runs: Vec<Result<Vec<U>, E>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks_mut(per_run)
            .enumerate()
            .map(|(n, run)| scope.spawn(move || work(n * per_run, run)))
            .collect();
        // A run that panicked is a bug here, not bad input: the panic goes on.
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for run in runs {
        out.extend(run?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_keep_their_order_and_offsets_and_stop_at_an_error() {
        let mut items: Vec<u32> = (0..1001).collect();
        let doubled = in_runs(&mut items, |offset, run| {
            Ok::<_, ()>(
                run.iter()
                    .enumerate()
                    .map(|(i, x)| (offset + i, x * 2))
                    .collect(),
            )
        })
        .unwrap();
        assert_eq!(doubled.len(), 1001);
        assert!(
            doubled
                .iter()
                .enumerate()
                .all(|(i, &(at, x))| at == i && x == 2 * i as u32)
        );
        let failed = in_runs(&mut items, |_, run| {
            if run.contains(&1000) {
                Err("the last")
            } else {
                Ok(run.to_vec())
            }
        });
        assert_eq!(failed, Err("the last"));
        assert_eq!(
            in_runs(&mut [] as &mut [u8], |_, r| Ok::<_, ()>(r.to_vec())),
            Ok(vec![])
        );
    }
}
