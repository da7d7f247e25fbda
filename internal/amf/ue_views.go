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

// UECounts counts the UE contexts by state, without copying their
// views: cheap enough to call every few seconds with hundreds of
// thousands of UEs.
func (a *AMF) UECounts() UECounts {
	var c UECounts
	for _, u := range a.listUEs() {
		shown, registered, connected := u.counted()
		if !shown {
			continue
		}
		c.Contexts++
		if !registered {
			continue
		}
		c.Registered++
		if connected {
			c.Connected++
		} else {
			c.Idle++
		}
	}
	return c
}

// listUEs returns the UE contexts with a SUPI. AMF.ues is not held
// when it returns: a UE's view is read without it (ueContext lock order).
func (a *AMF) listUEs() []*ueContext {
	a.ues.Lock()
	defer a.ues.Unlock()
	list := make([]*ueContext, 0, len(a.ues.bySUPI))
	for _, u := range a.ues.bySUPI {
		list = append(list, u)
	}
	return list
}

// UE returns the view of the UE context of supi, without reading the
// others.
func (a *AMF) UE(supi string) (UE, bool) {
	a.ues.Lock()
	u := a.ues.bySUPI[supi]
	a.ues.Unlock()
	if u == nil {
		return UE{}, false
	}
	return u.view()
}
