package userspace

import "sync/atomic"

// Stats counts what the adapter did with packets, for metrics and tests.
type Stats struct {
	PacketsIn      uint64 // packets handed to an association
	PacketsOut     uint64 // packets sent
	ChecksumErrors uint64 // packets of ours dropped for a bad CRC32c (RFC 9260 §6.8)
	Malformed      uint64 // packets of ours dropped as malformed
	ParamsStripped uint64 // INIT and INIT ACK parameters removed for pion
	Split          uint64 // packets above pion's read size split in several
	QueueDrops     uint64 // packets dropped because an association's queue was full
	InjectedDrops  uint64 // packets dropped by DropInbound or DropOutbound
	OutOfTheBlue   uint64 // packets for a listening port and no association (§8.4)
	SendErrors     uint64 // sends refused by the kernel (counted as losses)
	InitsRefused   uint64 // INITs dropped: listener backlog full or closing
	// Heartbeats counts pion's HEARTBEATs sent completed with Heartbeat
	// Info (see heartbeat.go); HeartbeatAcks the HEARTBEAT ACKs answering
	// them; HeartbeatAcksDropped those answering nothing this side sent.
	// No HEARTBEAT ACK reaches pion, which cannot parse one.
	Heartbeats           uint64
	HeartbeatAcks        uint64
	HeartbeatAcksDropped uint64
	AssociationsUp       uint64
	AssociationsDown     uint64
}

type counters struct {
	packetsIn, packetsOut, checksumErrors, malformed, paramsStripped, split,
	queueDrops, injectedDrops, outOfTheBlue, sendErrors, initsRefused,
	heartbeats, heartbeatAcks, heartbeatAcksDropped,
	up, down atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		PacketsIn:            c.packetsIn.Load(),
		PacketsOut:           c.packetsOut.Load(),
		ChecksumErrors:       c.checksumErrors.Load(),
		Malformed:            c.malformed.Load(),
		ParamsStripped:       c.paramsStripped.Load(),
		Split:                c.split.Load(),
		QueueDrops:           c.queueDrops.Load(),
		InjectedDrops:        c.injectedDrops.Load(),
		OutOfTheBlue:         c.outOfTheBlue.Load(),
		SendErrors:           c.sendErrors.Load(),
		InitsRefused:         c.initsRefused.Load(),
		Heartbeats:           c.heartbeats.Load(),
		HeartbeatAcks:        c.heartbeatAcks.Load(),
		HeartbeatAcksDropped: c.heartbeatAcksDropped.Load(),
		AssociationsUp:       c.up.Load(),
		AssociationsDown:     c.down.Load(),
	}
}
