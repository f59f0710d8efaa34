// The environment a PyTorch reference runs in. Debian's python3-torch does its dense products on the system
// OpenBLAS (pthreads, one thread per core unless told) and its element-wise work on OpenMP threads that
// spin-wait between parallel regions. torch.set_num_threads reaches neither: a "1-thread" PyTorch ran its
// products on two OpenBLAS threads, and a 2-thread one had two spinning OpenMP threads beside two OpenBLAS
// threads on a 2-core machine — four threads on two cores, 2.7–4.9× slower at batch 256 (docs/BENCHMARKS.md,
// "The PyTorch reference, given its threads"). So both pools get the thread count asked for and OpenMP waits
// passively: the reference's best configuration here, measured.

/** process.env with PyTorch's thread pools set to `threads` and passive OpenMP waiting. */
export function torchEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads)
  return {
    ...process.env,
    OMP_NUM_THREADS: t,
    OPENBLAS_NUM_THREADS: t,
    MKL_NUM_THREADS: t,
    OMP_WAIT_POLICY: 'PASSIVE'
  }
}
