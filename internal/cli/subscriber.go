package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/secret"
)

const subscriberUsage = `subscriber <add|list|show|update|delete|import> [flags]

  add      --supi IMSI (--k HEX --opc HEX | --k HEX --op HEX | --random-keys) [settings]
  list     [--limit N] [--after SUPI] [--supi-prefix P] [--dnn NAME] [--all]
  show     SUPI
  update   SUPI [settings]            (only the settings given change)
  delete   SUPI
  import   FILE                       (.csv or .json; all or nothing)

The API address comes from --api or $KEEL_API (default http://127.0.0.1:8080);
the admin token from $KEEL_TOKEN or the file --token-file
(default <--data>/admin-token, --data defaulting to ./keel-data).`

// apiFlags are shared by every command that talks to the API.
type apiFlags struct {
	addr      string
	tokenFile string
	dataDir   string
	json      bool
}

func (a *apiFlags) register(fs *flag.FlagSet, env Env) {
	a.registerConn(fs, env)
	fs.BoolVar(&a.json, "json", false, "print JSON for scripts")
}

// registerConn registers the flags that reach the API, for commands with
// a --json flag of their own.
func (a *apiFlags) registerConn(fs *flag.FlagSet, env Env) {
	def := env.Getenv("KEEL_API")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	fs.StringVar(&a.addr, "api", def, "management API address ($KEEL_API)")
	fs.StringVar(&a.tokenFile, "token-file", "", "file holding the admin token (default <data>/admin-token; $KEEL_TOKEN wins)")
	fs.StringVar(&a.dataDir, "data", "./keel-data", "the core's data directory, where the admin token lives")
}

func (a *apiFlags) client(env Env) (*client.Client, error) {
	if t := env.Getenv("KEEL_TOKEN"); t != "" {
		return client.New(a.addr, secret.Token(strings.TrimSpace(t))), nil
	}
	path := a.tokenFile
	if path == "" {
		path = filepath.Join(a.dataDir, "admin-token")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no admin token: set KEEL_TOKEN or point --token-file/--data at the core's data directory (%w)", err)
	}
	return client.New(a.addr, secret.Token(strings.TrimSpace(string(b)))), nil
}

// apiCommand is a subcommand that talks to the API: its flag set holds
// the shared API flags and --json, and the caller adds its own.
type apiCommand struct {
	apiFlags
	env Env
	fs  *flag.FlagSet
}

func newAPICommand(env Env, name, usage string) *apiCommand {
	cmd := &apiCommand{env: env, fs: newFlags(env, name, usage)}
	cmd.register(cmd.fs, env)
	return cmd
}

// start parses the flags, wants n positional arguments (what describes
// them) and returns them with the API client.
func (cmd *apiCommand) start(args []string, n int, what string) ([]string, *client.Client, error) {
	pos, err := parseArgs(cmd.fs, args, n, what)
	if err != nil {
		return nil, nil, err
	}
	c, err := cmd.client(cmd.env)
	return pos, c, err
}

// done prints a command's result: v as JSON with --json, else the line
// format and args make.
func (cmd *apiCommand) done(v any, format string, args ...any) error {
	if cmd.json {
		return printJSON(cmd.env.Stdout, v)
	}
	fmt.Fprintf(cmd.env.Stdout, format, args...)
	return nil
}

func runSubscriber(ctx context.Context, env Env, args []string) error {
	return runGroup(ctx, env, args, "subscriber", subscriberUsage,
		subcommand{"add", subscriberAdd}, subcommand{"list", subscriberList}, subcommand{"show", subscriberShow},
		subcommand{"update", subscriberUpdate}, subcommand{"delete", subscriberDelete}, subcommand{"import", subscriberImport})
}

// settingFlags are the subscription settings add and update share.
type settingFlags struct {
	fs                     *flag.FlagSet
	k, opc, op, amf, sqn   string
	nssai, defaultNSSAI    string
	dnns                   string
	ueAMBRUL, ueAMBRDL     string
	sessAMBRUL, sessAMBRDL string
	fiveQI                 int
}

func (s *settingFlags) register(fs *flag.FlagSet, create bool) {
	s.fs = fs
	fs.StringVar(&s.k, "k", "", "subscriber key K, 32 hex digits")
	fs.StringVar(&s.opc, "opc", "", "OPc, 32 hex digits")
	fs.StringVar(&s.op, "op", "", "OP, 32 hex digits (instead of --opc)")
	fs.StringVar(&s.amf, "amf", "", "authentication management field, 4 hex digits (default 8000)")
	if create {
		fs.StringVar(&s.sqn, "sqn", "", "initial SQN, 12 hex digits (default 000000000000)")
	}
	fs.StringVar(&s.nssai, "nssai", "", "subscribed slices, comma-separated SST or SST:SD (e.g. 1,1:000001)")
	fs.StringVar(&s.defaultNSSAI, "default-nssai", "", "default slices, those of --nssai (or the subscriber's on update) a UE requesting none is given, comma-separated SST or SST:SD (default the first slice)")
	fs.StringVar(&s.dnns, "dnns", "", "subscribed DNNs in the first slice, comma-separated, each one the core serves (e.g. internet,ims)")
	fs.StringVar(&s.ueAMBRUL, "ue-ambr-uplink", "", "UE-AMBR uplink (e.g. \"1 Gbps\")")
	fs.StringVar(&s.ueAMBRDL, "ue-ambr-downlink", "", "UE-AMBR downlink")
	fs.StringVar(&s.sessAMBRUL, "session-ambr-uplink", "", "session AMBR uplink for the DNNs given with --dnns")
	fs.StringVar(&s.sessAMBRDL, "session-ambr-downlink", "", "session AMBR downlink for the DNNs given with --dnns")
	fs.IntVar(&s.fiveQI, "5qi", 0, "5QI of the default QoS flow for the DNNs given with --dnns")
}

func (s *settingFlags) set(name string) bool { return flagGiven(s.fs, name) }

// request builds the API request from the flags that were given.
func (s *settingFlags) request(current *api.Subscriber) (api.SubscriberRequest, error) {
	var r api.SubscriberRequest
	str := func(name, v string) *string {
		if s.set(name) {
			return &v
		}
		return nil
	}
	r.K, r.OPc, r.OP, r.AMF, r.SQN = str("k", s.k), str("opc", s.opc), str("op", s.op), str("amf", s.amf), str("sqn", s.sqn)
	if s.set("ue-ambr-uplink") || s.set("ue-ambr-downlink") {
		a := api.AMBR{Uplink: s.ueAMBRUL, Downlink: s.ueAMBRDL}
		if current != nil {
			if a.Uplink == "" {
				a.Uplink = current.UEAMBR.Uplink
			}
			if a.Downlink == "" {
				a.Downlink = current.UEAMBR.Downlink
			}
		}
		r.UEAMBR = &a
	}
	if s.set("nssai") {
		var list []api.SNSSAI
		for _, item := range strings.Split(s.nssai, ",") {
			sst, sd, _ := strings.Cut(strings.TrimSpace(item), ":")
			n, err := strconv.Atoi(sst)
			if err != nil {
				return r, usagef("--nssai: %q: want SST or SST:SD", item)
			}
			list = append(list, api.SNSSAI{SST: n, SD: sd})
		}
		r.NSSAI = &list
	}
	if s.set("default-nssai") {
		if err := s.markDefaults(&r, current); err != nil {
			return r, err
		}
	}
	if s.set("dnns") {
		// The DNNs go in the first slice: of --nssai when given, else
		// the subscriber's (the server's default on add).
		var slice *api.SNSSAI
		if r.NSSAI != nil {
			slice = &(*r.NSSAI)[0]
		}
		var list []api.DNN
		for _, name := range strings.Split(s.dnns, ",") {
			d := api.DNN{DNN: strings.TrimSpace(name), FiveQI: s.fiveQI}
			if slice != nil {
				d.SST, d.SD = &slice.SST, slice.SD
			}
			if s.sessAMBRUL != "" || s.sessAMBRDL != "" {
				d.SessionAMBR = api.AMBR{Uplink: s.sessAMBRUL, Downlink: s.sessAMBRDL}
			}
			list = append(list, d)
		}
		r.DNNs = &list
	} else if s.set("session-ambr-uplink") || s.set("session-ambr-downlink") || s.set("5qi") {
		return r, usagef("--session-ambr-* and --5qi apply to the DNNs given with --dnns")
	}
	return r, nil
}

func subscriberAdd(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "subscriber add", "subscriber add --supi IMSI (--k HEX --opc HEX | --random-keys) [flags]")
	var sf settingFlags
	sf.register(cmd.fs, true)
	supi := cmd.fs.String("supi", "", "SUPI, imsi- followed by the IMSI digits (required)")
	random := cmd.fs.Bool("random-keys", false, "generate a random K and OPc for a test SIM and print them once")
	if _, err := parseArgs(cmd.fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	if *supi == "" {
		return usagef("subscriber add: --supi is required")
	}
	if *random && (sf.set("k") || sf.set("opc") || sf.set("op")) {
		return usagef("subscriber add: --random-keys generates K and OPc; do not give --k, --opc or --op with it")
	}
	if !*random && (!sf.set("k") || !(sf.set("opc") || sf.set("op"))) {
		return usagef("subscriber add: give --k with --opc (or --op), or --random-keys")
	}
	req, err := sf.request(nil)
	if err != nil {
		return err
	}
	req.SUPI = supi
	var k, opc string
	if *random {
		k, opc = secret.RandomKey128().Hex(), secret.RandomKey128().Hex()
		req.K, req.OPc = &k, &opc
	}
	c, err := cmd.client(env)
	if err != nil {
		return err
	}
	sub, err := c.CreateSubscriber(ctx, req)
	if err != nil {
		return err
	}
	if cmd.json {
		out := struct {
			api.Subscriber
			K   string `json:"k,omitempty"`
			OPc string `json:"opc,omitempty"`
		}{sub, k, opc}
		return printJSON(env.Stdout, out)
	}
	fmt.Fprintf(env.Stdout, "added %s\n", sub.SUPI)
	if *random {
		fmt.Fprintf(env.Stdout, "K   %s\nOPc %s\n", k, opc)
		fmt.Fprintln(env.Stdout, "Write K and OPc to the SIM now: Keel never shows them again.")
	}
	return nil
}

func subscriberList(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "subscriber list", "subscriber list [flags]")
	limit := cmd.fs.Int("limit", 100, "subscribers per page (1-1000)")
	after := cmd.fs.String("after", "", "start after this SUPI (the \"next\" of a previous page)")
	prefix := cmd.fs.String("supi-prefix", "", "only SUPIs starting with this")
	dnn := cmd.fs.String("dnn", "", "only subscribers with this DNN")
	all := cmd.fs.Bool("all", false, "follow every page")
	_, c, err := cmd.start(args, 0, "no arguments besides flags")
	if err != nil {
		return err
	}
	q := client.ListQuery{Limit: *limit, After: *after, SUPIPrefix: *prefix, DNN: *dnn}
	var subs []api.Subscriber
	var page api.SubscriberList
	for {
		page, err = c.ListSubscribers(ctx, q)
		if err != nil {
			return err
		}
		subs = append(subs, page.Subscribers...)
		if !*all || page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if cmd.json {
		page.Subscribers = subs
		if *all {
			page.Next = ""
		}
		if page.Subscribers == nil {
			page.Subscribers = []api.Subscriber{}
		}
		return printJSON(env.Stdout, page)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUPI\tSLICES\tDNNS\tUE-AMBR UL/DL\tSQN")
	for _, s := range subs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s / %s\t%s\n", s.SUPI, sliceList(s.NSSAI), dnnNames(s.DNNs), s.UEAMBR.Uplink, s.UEAMBR.Downlink, s.SQN)
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "%d shown, %d in total", len(subs), page.Total)
	if page.Next != "" && !*all {
		fmt.Fprintf(env.Stdout, "; more with --after %s", page.Next)
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

func subscriberShow(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "subscriber show", "subscriber show SUPI [flags]")
	pos, c, err := cmd.start(args, 1, "one SUPI")
	if err != nil {
		return err
	}
	s, err := c.GetSubscriber(ctx, pos[0])
	if err != nil {
		return err
	}
	if cmd.json {
		return printJSON(env.Stdout, s)
	}
	printSubscriber(env.Stdout, s)
	return nil
}

func printSubscriber(w io.Writer, s api.Subscriber) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SUPI\t%s\n", s.SUPI)
	fmt.Fprintf(tw, "Credentials\tK and %s stored (write-only)\n", map[string]string{"op": "OP", "opc": "OPc"}[s.OPType])
	fmt.Fprintf(tw, "AMF\t%s\n", s.AMF)
	fmt.Fprintf(tw, "SQN\t%s\n", s.SQN)
	fmt.Fprintf(tw, "UE-AMBR\t%s up, %s down\n", s.UEAMBR.Uplink, s.UEAMBR.Downlink)
	fmt.Fprintf(tw, "Slices\t%s\n", sliceList(s.NSSAI))
	fmt.Fprintf(tw, "Default slices\t%s\n", defaultSlices(s.NSSAI))
	tw.Flush()
	if len(s.DNNs) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DNN\tSLICE\t5QI\tARP\tSESSION-AMBR UL/DL\tSTATIC IP")
	for _, d := range s.DNNs {
		static := strings.Trim(d.StaticIPv4+" "+d.StaticIPv6, " ")
		if static == "" {
			static = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s / %s\t%s\n", d.DNN, dnnSlice(d), d.FiveQI, d.ARPPriority, d.SessionAMBR.Uplink, d.SessionAMBR.Downlink, static)
	}
	tw.Flush()
}

func subscriberUpdate(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "subscriber update", "subscriber update SUPI [flags]")
	var sf settingFlags
	sf.register(cmd.fs, false)
	pos, err := parseArgs(cmd.fs, args, 1, "one SUPI")
	if err != nil {
		return err
	}
	if cmd.fs.NFlag() == 0 {
		return usagef("subscriber update: nothing to change (give at least one setting)")
	}
	c, err := cmd.client(env)
	if err != nil {
		return err
	}
	current, err := c.GetSubscriber(ctx, pos[0])
	if err != nil {
		return err
	}
	req, err := sf.request(&current)
	if err != nil {
		return err
	}
	s, err := c.UpdateSubscriber(ctx, pos[0], req)
	if err != nil {
		return err
	}
	return cmd.done(s, "updated %s\n", s.SUPI)
}

func subscriberDelete(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "subscriber delete", "subscriber delete SUPI [flags]")
	pos, c, err := cmd.start(args, 1, "one SUPI")
	if err != nil {
		return err
	}
	if err := c.DeleteSubscriber(ctx, pos[0]); err != nil {
		return err
	}
	return cmd.done(map[string]string{"deleted": pos[0]}, "deleted %s\n", pos[0])
}

func subscriberImport(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "subscriber import", "subscriber import FILE [flags]   (FILE - reads stdin)")
	format := cmd.fs.String("format", "", "csv or json (default: from the file name's extension)")
	pos, err := parseArgs(cmd.fs, args, 1, "one file")
	if err != nil {
		return err
	}
	f := *format
	if f == "" {
		f = strings.TrimPrefix(strings.ToLower(filepath.Ext(pos[0])), ".")
	}
	ct := map[string]string{"csv": "text/csv", "json": "application/json"}[f]
	if ct == "" {
		return usagef("subscriber import: cannot tell the format of %q; give --format csv or --format json", pos[0])
	}
	var in io.Reader = env.Stdin
	if pos[0] != "-" {
		file, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer file.Close()
		in = bufio.NewReaderSize(file, 1<<20)
	}
	c, err := cmd.client(env)
	if err != nil {
		return err
	}
	head := &headReader{r: in}
	res, err := c.ImportSubscribers(ctx, head, ct)
	var (
		refused    *client.Error
		unanswered *client.UnansweredError
	)
	switch {
	case errors.As(err, &refused) && len(refused.Body.Rows) > 0:
		for _, r := range refused.Body.Rows {
			field := ""
			if r.Field != "" {
				field = r.Field + ": "
			}
			fmt.Fprintf(env.Stderr, "row %d: %s%s\n", r.Row, field, r.Reason)
		}
		if refused.Body.MoreRows > 0 {
			fmt.Fprintf(env.Stderr, "... and %d more rows in error\n", refused.Body.MoreRows)
		}
	case errors.As(err, &unanswered):
		check := "keel subscriber list"
		if supi := firstSUPI(head.buf, f); supi != "" {
			check = "keel subscriber show " + supi
		}
		return fmt.Errorf("subscriber import: the whole file was sent but the core's answer was lost (%v): "+
			"the import may have been applied. Check with `%s` (the file's first subscriber) before importing it again: "+
			"if it exists, the import was stored, all of it; if not, none of it was", unanswered.Err, check)
	}
	if err != nil {
		return err
	}
	return cmd.done(res, "imported %d subscribers\n", res.Imported)
}

// headReader keeps the first bytes read through it: an import's first
// rows, to name its first subscriber when the answer is lost.
type headReader struct {
	r   io.Reader
	buf []byte
}

const headBytes = 64 << 10

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if keep := min(n, headBytes-len(h.buf)); keep > 0 {
		h.buf = append(h.buf, p[:keep]...)
	}
	return n, err
}

// firstSUPI returns the SUPI of an import file's first row, or "" when
// head does not show it.
func firstSUPI(head []byte, format string) string {
	head = bytes.TrimPrefix(head, []byte("\uFEFF"))
	if format == "json" {
		dec := json.NewDecoder(bytes.NewReader(head))
		tok, err := dec.Token()
		if tok == json.Delim('{') {
			if key, _ := dec.Token(); key != "subscribers" {
				return ""
			}
			tok, err = dec.Token()
		}
		if err != nil || tok != json.Delim('[') || !dec.More() {
			return ""
		}
		var first struct {
			SUPI string `json:"supi"`
		}
		if dec.Decode(&first) != nil {
			return ""
		}
		return first.SUPI
	}
	cr := csv.NewReader(bytes.NewReader(head))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return ""
	}
	row, err := cr.Read()
	if err != nil {
		return ""
	}
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), "supi") && i < len(row) {
			return row[i]
		}
	}
	return ""
}

// markDefaults marks the slices --default-nssai names default in the
// request's nssai: that of --nssai, or on update the subscriber's, its
// old marks cleared (TS 23.501 §5.15.5.2.1).
func (s *settingFlags) markDefaults(r *api.SubscriberRequest, current *api.Subscriber) error {
	var list []api.SNSSAI
	switch {
	case r.NSSAI != nil:
		list = *r.NSSAI
	case current != nil:
		for _, n := range current.NSSAI {
			list = append(list, api.SNSSAI{SST: n.SST, SD: n.SD})
		}
	default:
		return usagef("--default-nssai needs --nssai on add")
	}
	for _, item := range strings.Split(s.defaultNSSAI, ",") {
		sst, sd, _ := strings.Cut(strings.TrimSpace(item), ":")
		n, err := strconv.Atoi(sst)
		if err != nil {
			return usagef("--default-nssai: %q: want SST or SST:SD", item)
		}
		i := slices.IndexFunc(list, func(x api.SNSSAI) bool { return x.SST == n && strings.EqualFold(x.SD, sd) })
		if i < 0 {
			return usagef("--default-nssai: %q is not one of the subscribed slices %s", item, sliceList(list))
		}
		list[i].Default = true
	}
	r.NSSAI = &list
	return nil
}

// defaultSlices lists the slices of list marked default.
func defaultSlices(list []api.SNSSAI) string {
	return sliceList(slices.DeleteFunc(slices.Clone(list), func(s api.SNSSAI) bool { return !s.Default }))
}

func sliceList(list []api.SNSSAI) string {
	if len(list) == 0 {
		return "-"
	}
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = strconv.Itoa(s.SST)
		if s.SD != "" {
			parts[i] += ":" + s.SD
		}
	}
	return strings.Join(parts, ",")
}

func dnnNames(list []api.DNN) string {
	if len(list) == 0 {
		return "-"
	}
	seen := map[string]bool{}
	var parts []string
	for _, d := range list {
		if !seen[d.DNN] {
			seen[d.DNN] = true
			parts = append(parts, d.DNN)
		}
	}
	return strings.Join(parts, ",")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// dnnSlice shows the slice a DNN is in.
func dnnSlice(d api.DNN) string {
	if d.SST == nil {
		return "-"
	}
	return sliceList([]api.SNSSAI{{SST: *d.SST, SD: d.SD}})
}
