package bot

import (
	"container/heap"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Default pace: Telegram accepts about 30 messages a second across all
// chats and about one a second in one chat, with short bursts. The burst
// of a chat lets a person tap quickly through a few menus unslowed.
const (
	DefaultRate      rate.Limit = 30
	DefaultBurst                = 5
	DefaultChatRate  rate.Limit = 1
	DefaultChatBurst            = 3
)

// groupRate bounds the messages a second in a group (a chat with a
// negative id): Telegram accepts about 20 a minute there. It applies only
// while there is a limit per chat, and never raises it.
var groupRate = rate.Every(3 * time.Second)

// waitCause says why a request waits before it is sent.
type waitCause uint8

const (
	causeNone      waitCause = iota
	causePaced               // the bot's own pace: its turn has not come
	causeChat429             // Telegram's retry_after for the chat, or for this call
	causeGlobal429           // Telegram's retry_after for the whole bot
	causeBackoff             // a server error or a network fault
)

// waitCauses are the causes' names in metrics.
var waitCauses = [...]string{causePaced: "paced", causeChat429: "chat_429", causeGlobal429: "global_429", causeBackoff: "backoff"}

// untilWoken is the wait of a request that has joined the queue for its
// turn: the pacer wakes its chat when the turn comes.
const untilWoken time.Duration = -1

// refusalRun is how many calls refused with 429 in a row, with no call
// accepted between them, the bot takes as a 429 for the whole bot.
// Telegram's answer does not say whether a 429 holds one chat or the
// whole bot. A bot that Telegram holds back has every call refused, and
// with dozens of calls in flight a run this long comes within
// milliseconds. Random refusals must not make one: at one call in five,
// a run of 16 comes once in about 10^11 calls (a run of 6, once in 15,000
// calls, which at 12,000 calls a second paused the whole bot every
// second).
const refusalRun = 16

// pacer keeps the bot within Telegram's limits before Telegram has to
// refuse: message sends and edits go out at most at the global rate and
// at most at the chat rate to one chat, and every retry_after Telegram
// gives is kept in full, for the chat or, when the bot as a whole is
// held back, for every send. Chats take their turns in the arrival order
// of their updates: one waiting for its turn joins a queue, and the
// pacer wakes it when its turn has come, so that none holds a worker and
// none waits forever.
type pacer struct {
	clock clock
	// wake re-queues the chat (by its dispatcher key) whose turn has come.
	wake func(key int64)

	mu          sync.Mutex
	global      *rate.Limiter // nil: no global limit
	chatRate    rate.Limit    // 0: no limit per chat
	chatBurst   int
	chats       map[int64]*chatPace
	swept       time.Time
	pausedUntil time.Time // a 429 for the whole bot
	// held is pausedUntil in Unix nanoseconds, 0 once it has passed: a
	// call that is not paced learns without a lock that nothing holds it.
	held     atomic.Int64
	run      atomic.Int32 // calls refused in a row
	runUntil time.Time    // the latest retry_after in the run
	turns    turnQueue    // waiting for their turn, oldest update first
	timer    stopper      // wakes the head of turns
	head     *rate.Reservation
}

// chatPace is what the pacer knows of one chat.
type chatPace struct {
	lim   *rate.Limiter // nil without a limit per chat
	until time.Time     // Telegram's retry_after for the chat
}

// ticket is a request's place with the pacer.
type ticket struct {
	key     int64  // the dispatcher's key of its chat, to wake it
	chat    int64  // the chat it writes to
	seq     uint64 // its update's place in arrival order
	queued  bool   // waiting in turns
	granted bool   // its turn has come
}

// newPacer paces at limit (burst at once) across chats and chatLimit
// (chatBurst) per chat; rate.Inf turns a limit off.
func newPacer(c clock, limit rate.Limit, burst int, chatLimit rate.Limit, chatBurst int) *pacer {
	p := &pacer{clock: c, chats: map[int64]*chatPace{}, wake: func(int64) {}}
	if limit != rate.Inf {
		p.global = rate.NewLimiter(limit, max(burst, 1))
	}
	if chatLimit != rate.Inf {
		p.chatRate, p.chatBurst = chatLimit, max(chatBurst, 1)
	}
	return p
}

// acquire reports whether the write of t may go now (0), or how long it
// must wait and why. A wait of untilWoken means t has joined the queue
// for its turn: the pacer wakes t.key when it comes.
func (p *pacer) acquire(t *ticket) (time.Duration, waitCause) {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.chat(t.chat, now, p.chatRate > 0)
	if c == nil {
		// Nothing holds the chat back.
		c = &chatPace{}
	}
	if t.granted {
		t.granted = false
		if !now.Before(p.pausedUntil) {
			if c.lim != nil {
				c.lim.ReserveN(now, 1)
			}
			return 0, causeNone
		}
		// The bot was held back after the turn came: queue again.
	} else {
		if now.Before(c.until) {
			return c.until.Sub(now), causeChat429
		}
		if c.lim != nil && c.lim.TokensAt(now) < 1 {
			r := c.lim.ReserveN(now, 1)
			d := r.DelayFrom(now)
			r.CancelAt(now)
			return d, causePaced
		}
		if !now.Before(p.pausedUntil) && p.turns.Len() == 0 && (p.global == nil || p.global.AllowN(now, 1)) {
			if c.lim != nil {
				c.lim.ReserveN(now, 1)
			}
			return 0, causeNone
		}
	}
	t.queued = true
	heap.Push(&p.turns, t)
	p.schedule(now)
	if now.Before(p.pausedUntil) {
		return untilWoken, causeGlobal429
	}
	return untilWoken, causePaced
}

// paused returns how long the bot as a whole is still held back.
func (p *pacer) paused() time.Duration {
	held := p.held.Load()
	if held == 0 {
		return 0
	}
	if d := time.Unix(0, held).Sub(p.clock.Now()); d > 0 {
		return d
	}
	p.held.CompareAndSwap(held, 0)
	return 0
}

// accepted records a call Telegram accepted.
func (p *pacer) accepted() {
	if p.run.Load() != 0 {
		p.run.Store(0)
	}
}

// refused records a 429 with retry_after d. chat is the chat the call
// wrote to, which may not be written to again before d has passed; 0 for
// a call that wrote to none (a tap's answer), whose caller waits d itself.
// The call is also one more refusal in a row.
func (p *pacer) refused(chat int64, d time.Duration) {
	now := p.clock.Now()
	until := now.Add(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	if chat != 0 {
		if c := p.chat(chat, now, true); until.After(c.until) {
			c.until = until
		}
	}
	if n := p.run.Add(1); n == 1 || until.After(p.runUntil) {
		p.runUntil = until
	}
	if p.run.Load() >= refusalRun {
		p.pauseLocked(now, p.runUntil)
	}
}

// pauseAll holds every send back for d: Telegram's 429 for the whole bot,
// such as one on getUpdates.
func (p *pacer) pauseAll(d time.Duration) {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pauseLocked(now, now.Add(d))
}

func (p *pacer) pauseLocked(now, until time.Time) {
	if !until.After(p.pausedUntil) {
		return
	}
	p.pausedUntil = until
	p.held.Store(until.UnixNano())
	if p.head != nil {
		p.head.CancelAt(now)
		p.head = nil
	}
	p.schedule(now)
}

// pace returns the writes a second the bot allows itself now: 0 while it
// is held back, +Inf without a global limit.
func (p *pacer) pace() float64 {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case now.Before(p.pausedUntil):
		return 0
	case p.global == nil:
		return math.Inf(1)
	}
	return float64(p.global.Limit())
}

// waiting returns how many chats wait for their turn.
func (p *pacer) waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.turns.Len()
}

// schedule sets the timer for the head of the queue: when the bot is no
// longer held back and the global limit has a token for it. One token is
// reserved at a time, for the head, so a pause never leaves a crowd of
// reservations to go out at once when it ends.
func (p *pacer) schedule(now time.Time) {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if p.turns.Len() == 0 {
		return
	}
	d := p.pausedUntil.Sub(now)
	if d <= 0 && p.global != nil {
		if p.head == nil {
			p.head = p.global.ReserveN(now, 1)
		}
		d = p.head.DelayFrom(now)
	}
	p.timer = p.clock.AfterFunc(max(d, 0), p.tick)
}

// tick gives the turn to the heads of the queue whose time has come.
func (p *pacer) tick() {
	now := p.clock.Now()
	var woken []int64
	p.mu.Lock()
	for p.turns.Len() > 0 && !now.Before(p.pausedUntil) {
		if p.global != nil {
			if p.head == nil {
				p.head = p.global.ReserveN(now, 1)
			}
			if p.head.DelayFrom(now) > 0 {
				break
			}
			p.head = nil
		}
		t := heap.Pop(&p.turns).(*ticket)
		t.queued, t.granted = false, true
		woken = append(woken, t.key)
	}
	p.schedule(now)
	p.mu.Unlock()
	for _, k := range woken {
		p.wake(k)
	}
}

// chat returns the pace of a chat; with create false, nil for a chat
// the pacer holds nothing of. Now and then it forgets the chats whose
// retry_after has passed and whose burst is whole again: they are as
// new, and a crowd of chats must not stay in memory.
func (p *pacer) chat(id int64, now time.Time, create bool) *chatPace {
	if now.Sub(p.swept) > 10*time.Second {
		p.swept = now
		for k, c := range p.chats {
			if now.After(c.until) && (c.lim == nil || c.lim.TokensAt(now) >= float64(p.chatBurst)) {
				delete(p.chats, k)
			}
		}
	}
	c := p.chats[id]
	if c == nil && create {
		c = &chatPace{}
		if r := p.chatRate; r > 0 {
			if id < 0 {
				r = min(r, groupRate)
			}
			c.lim = rate.NewLimiter(r, p.chatBurst)
		}
		p.chats[id] = c
	}
	return c
}

// turnQueue is a heap of tickets, the oldest update first.
type turnQueue []*ticket

func (q turnQueue) Len() int           { return len(q) }
func (q turnQueue) Less(i, j int) bool { return q[i].seq < q[j].seq }
func (q turnQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *turnQueue) Push(x any)        { *q = append(*q, x.(*ticket)) }
func (q *turnQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return t
}
