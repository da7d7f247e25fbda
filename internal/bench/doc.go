// Package bench is `keel bench`: it measures a whole core the way an
// operator would run it. For each step of a ladder of UE counts it starts
// a fresh core (`keel serve` as a child process, with a temporary data
// directory and free loopback ports), provisions the step's subscribers
// through the management API, runs the simulator (`keel sim --json`) as a
// second child process against it, and turns the simulator's summary and
// what /proc says about both processes into a Report: registrations and
// sessions per second, procedure latency percentiles, CPU seconds per
// registered UE for the core and the simulator separately, the core's
// resident memory and its memory per UE with a session, and failures by
// cause, each set against the scale targets.
//
// Core and simulator run in separate processes so that /proc tells their
// CPU apart; the steps run one after another so that they never share a
// machine with each other. The core runs the built-in configuration with
// its own data directory and ports; a step with more UEs than the default
// UE pool serves gets a pool wide enough for them.
//
// With Options.AMFs each step runs the core as an AMF set (TS 23.501
// §5.21): N `keel serve --nf amf` processes with one GUAMI each, their
// backups chained, and one process for every other network function;
// the simulator's gNBs face every AMF, and the step reports each AMF
// process's CPU besides the core's. With Options.StoreURL each step
// creates a PostgreSQL database of its own on that server, which every
// process of the core gets as store.url, and drops it afterwards.
//
// The package is Linux only: it reads /proc and waits for the simulator
// with waitid(WNOWAIT) so that its CPU time can be read after it exited
// and before it is reaped.
//
// # Measurement
//
// CPU time is utime+stime of /proc/<pid>/stat, counted in clock ticks of
// USER_HZ, which Linux fixes at 100 per second for user space
// (sysconf(_SC_CLK_TCK)); figures are good to 10 ms per process. The
// core's CPU is counted from the end of provisioning to the simulator's
// exit; the simulator's over its whole life. Resident memory is VmRSS of
// /proc/<pid>/status. The memory per UE with a session is the growth of
// the core's VmRSS from before provisioning to the simulator's exit,
// divided by the sessions established: it includes the subscribers' data
// and garbage the Go runtime has not yet collected or returned, so it is
// an upper bound, and steady only at the larger steps.
//
// The live heap is go_gc_heap_live_bytes of the core's /metrics, read
// before provisioning and once the core is idle after the simulator's
// exit, each time right after a collection the bench asks for through
// the heap profile (GET /debug/pprof/heap?gc=1: the all-in-one core runs
// with http.pprof; the profiles are kept in the step's directory). Its
// growth per registered UE is the UEs' state without garbage. The
// processes of a split core other than the UDR's serve no profiles and
// report the heap their last collection marked.
//
// # Concurrency
//
// Run is called from one goroutine and runs the steps one at a time. Each
// child process is waited for before its step ends: the core by a
// goroutine the step owns and joins, the simulator by the step itself.
// The children get their own process group, so a Ctrl-C at the terminal
// reaches only the bench, which then stops them; should the bench die,
// the kernel signals them (PR_SET_PDEATHSIG).
//
// # Errors
//
// A step that cannot be measured (the core does not come up, the
// simulator prints no summary, the step's time runs out) ends the ladder:
// its Step carries the error and the report what was measured before it.
// Failed procedures are not errors: they are counted by cause in the
// step, and the ladder goes on. Either makes Report.Failed true. The
// temporary directory of such a step, with the core's and the simulator's
// logs, is kept and named in the report.
package bench
