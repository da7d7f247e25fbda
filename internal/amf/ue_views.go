package amf

// UECounts are the numbers of UE contexts by state, for an overview.
type UECounts struct {
	// Contexts counts every UE context with a SUPI.
	Contexts int
	// Registered counts the contexts in 5GMM-REGISTERED; Connected and
	// Idle split them by connection management state (TS 23.501
	// §5.3.3.2).
	Registered, Connected, Idle int
}

// UECounts counts the UE contexts by state from their published views,
// without copying them: cheap enough to call every few seconds with
// hundreds of thousands of UEs.
func (a *AMF) UECounts() UECounts {
	var c UECounts
	a.ues.Lock()
	defer a.ues.Unlock()
	for _, u := range a.ues.bySUPI {
		v := u.view.Load()
		if v == nil {
			continue
		}
		c.Contexts++
		if v.State != "registered" {
			continue
		}
		c.Registered++
		if v.CMState == "connected" {
			c.Connected++
		} else {
			c.Idle++
		}
	}
	return c
}

// UE returns the published view of the UE context of supi, without
// copying the others.
func (a *AMF) UE(supi string) (UE, bool) {
	a.ues.Lock()
	u := a.ues.bySUPI[supi]
	a.ues.Unlock()
	if u == nil {
		return UE{}, false
	}
	v := u.view.Load()
	if v == nil {
		return UE{}, false
	}
	return *v, true
}
