// Package browsertest drives Keel's operator console in a real browser:
// Debian's chromium, headless, through the Chrome DevTools Protocol
// (github.com/chromedp/chromedp), against a core started in process from
// its composition root (internal/app) with the management API, the
// embedded console and N2 over userspace SCTP, and gNBs and UEs of the
// simulator (internal/sim) on real protocols. It has no code of its own
// besides its tests.
//
// The tests run in a network namespace of their own (sctptest.MainInNetNS,
// for the raw sockets of userspace SCTP); chromium runs there too, without
// its sandbox (the namespace's root cannot make the sandbox's own
// namespaces). Without chromium they skip, saying so, unless
// KEEL_REQUIRE_ORACLES=1 (CI), which makes them fail.
//
// They wait on the DOM's state (the DOM conventions of web/: each page's
// main#page-<name> present once its data loaded, data-testid attributes),
// never on time. With -update-screenshots they write a screenshot of every
// page to docs/console/<page>.png; a normal run writes no file.
//
// Concurrency: each test owns one browser process and one core; the
// browser's events are recorded from chromedp's tab loop under a mutex
// and read by the test's goroutine. Everything is stopped and joined at
// the test's cleanup.
package browsertest
