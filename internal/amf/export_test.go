package amf

// OnReleaseListed makes f run in releaseRAN between the listing of an
// ended association's UE connections and their end, which f must call
// (AMF.releaseListed).
func (a *AMF) OnReleaseListed(f func(end func())) { a.releaseListed.Store(&f) }
