package amf

// OnReleaseListed makes f run in releaseRAN between the listing of an
// ended association's UE connections and their end, which f must call
// (AMF.releaseListed).
func (a *AMF) OnReleaseListed(f func(end func())) { a.releaseListed.Store(&f) }

// NSSAISubscribed reports whether the AMF holds an NSSAI availability
// subscription, and how many NSSF answers it keeps.
func (a *AMF) NSSAISubscribed() (subscribed bool, kept int) {
	a.mu.Lock()
	subscribed = a.mu.subscription != ""
	a.mu.Unlock()
	if a.kept != nil {
		kept = a.kept.kept()
	}
	return subscribed, kept
}

// SetPaceLimit sets the active runs above which a mass release waits
// (runs.pace).
func (a *AMF) SetPaceLimit(n int64) { a.runs.limit.Store(n) }
