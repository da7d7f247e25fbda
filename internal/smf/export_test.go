package smf

// PagingWorkers is how many N1N2MessageTransfers for downlink data can be
// under way at once.
const PagingWorkers = pagingWorkers
