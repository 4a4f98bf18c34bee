package bot

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errClosed is returned by submit once the bot has stopped taking updates.
var errClosed = errors.New("bot is shutting down")

// task is work the dispatcher runs: an update, or a tap's answer sent
// aside. step goes as far as it can now and reports done, or how long it
// must wait before it can go on (untilWoken: until the pacer wakes its
// chat) and why.
type task interface {
	step(ctx context.Context) (wait time.Duration, cause waitCause, done bool)
}

// dispatcher runs updates on a fixed pool of workers. Updates of one chat
// run one at a time in arrival order; chats take turns. A chat whose
// update must wait (its pace, a retry_after, a backoff) is parked: a timer,
// or the pacer when its turn comes, queues it again, and its worker moves
// on, so a throttled chat holds no worker. Its later updates queue behind
// it. The number of waiting updates is bounded: submit blocks when it is
// reached, which slows intake instead of growing memory.
type dispatcher struct {
	// begin makes the task of an update when its turn comes; aside takes
	// out the part of an update that must not wait behind a busy chat, or
	// be lost with an update dropped for a newer one (a tap's answer), or
	// returns nil.
	begin, aside func(*update) task
	clock        clock
	workers      int
	// maxPending bounds updates accepted but not yet handled; perChat
	// bounds those of one chat, beyond which a newer update replaces the
	// last waiting one (a user tapping faster than the bot can answer
	// gets the screen of their last tap).
	maxPending, perChat int

	mu      sync.Mutex
	space   *sync.Cond // signalled when pending drops
	work    *sync.Cond // signalled when there is something to run
	chats   map[int64]*chatQueue
	ready   []*chatQueue // chats with work and no worker, oldest first
	urgent  []*sideTask  // answers sent aside, run before any chat
	sides   map[*sideTask]bool
	pending int
	parked  int    // chats parked
	seq     uint64 // updates taken so far
	closed  bool
	// replaced counts updates dropped in favour of a newer one from the
	// same chat.
	replaced int64

	wg sync.WaitGroup
}

type chatQueue struct {
	key     int64
	updates []*update // waiting, not begun
	cur     task      // the update in hand, run or parked
	running bool      // a worker has the chat, or it is parked
	parked  bool
	timer   stopper // wakes a chat parked for a time
	// woken: the pacer gave the chat its turn while its worker was still
	// parking it.
	woken bool
}

// sideTask is a task outside any chat's queue.
type sideTask struct {
	t     task
	timer stopper // while parked
}

func newDispatcher(c clock, workers, maxPending, perChat int, begin, aside func(*update) task) *dispatcher {
	d := &dispatcher{begin: begin, aside: aside, clock: c, workers: workers, maxPending: maxPending, perChat: perChat,
		chats: map[int64]*chatQueue{}, sides: map[*sideTask]bool{}}
	d.space = sync.NewCond(&d.mu)
	d.work = sync.NewCond(&d.mu)
	return d
}

// start runs the workers; ctx is what tasks run under.
func (d *dispatcher) start(ctx context.Context) {
	for range d.workers {
		d.wg.Add(1)
		go d.worker(ctx)
	}
}

// submit queues u. It blocks while the queue is full, and fails once the
// dispatcher is closed or when ctx ends first.
func (d *dispatcher) submit(ctx context.Context, u *update) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() {
			d.mu.Lock()
			d.space.Broadcast()
			d.mu.Unlock()
		})
		defer stop()
	}
	for d.pending >= d.maxPending && !d.closed && ctx.Err() == nil {
		d.space.Wait()
	}
	if d.closed {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	d.seq++
	u.seq = d.seq
	key := u.chatKey()
	q := d.chats[key]
	if q == nil {
		q = &chatQueue{key: key}
		d.chats[key] = q
	}
	if q.running || len(q.updates) > 0 {
		// The chat is busy: what cannot wait goes aside.
		d.sendAside(d.aside(u))
	}
	if len(q.updates) >= d.perChat {
		last := &q.updates[len(q.updates)-1]
		d.sendAside(d.aside(*last))
		*last = u
		d.replaced++
		return nil
	}
	q.updates = append(q.updates, u)
	d.pending++
	if !q.running && len(q.updates) == 1 {
		d.ready = append(d.ready, q)
		d.work.Signal()
	}
	return nil
}

// sendAside runs t before any chat, if it is not nil. Called with d.mu
// held.
func (d *dispatcher) sendAside(t task) {
	if t == nil {
		return
	}
	s := &sideTask{t: t}
	d.sides[s] = true
	d.urgent = append(d.urgent, s)
	d.work.Signal()
}

func (d *dispatcher) worker(ctx context.Context) {
	defer d.wg.Done()
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		for len(d.ready) == 0 && len(d.urgent) == 0 && !(d.closed && d.pending == 0 && len(d.sides) == 0) {
			d.work.Wait()
		}
		if len(d.urgent) > 0 {
			s := d.urgent[0]
			d.urgent[0] = nil
			d.urgent = d.urgent[1:]
			d.mu.Unlock()
			wait, _, done := s.t.step(ctx)
			d.mu.Lock()
			d.afterSide(s, wait, done)
			continue
		}
		if len(d.ready) == 0 {
			return
		}
		q := d.ready[0]
		d.ready[0] = nil
		d.ready = d.ready[1:]
		q.running, q.woken = true, false
		cur := q.cur
		var u *update
		if cur == nil {
			u = q.updates[0]
			q.updates[0] = nil
			q.updates = q.updates[1:]
		}
		d.mu.Unlock()

		if cur == nil {
			cur = d.begin(u)
		}
		wait, _, done := cur.step(ctx)

		d.mu.Lock()
		if !done {
			q.cur = cur
			d.park(q, wait)
			continue
		}
		q.cur, q.running = nil, false
		d.pending--
		if len(q.updates) > 0 {
			d.ready = append(d.ready, q)
			d.work.Signal()
		} else {
			delete(d.chats, q.key)
		}
		d.space.Signal()
		if d.closed && d.pending == 0 {
			d.work.Broadcast()
		}
	}
}

// park sets a chat aside until wait has passed, or until the pacer wakes
// it (untilWoken). Called with d.mu held.
func (d *dispatcher) park(q *chatQueue, wait time.Duration) {
	if wait == untilWoken && q.woken {
		q.woken = false
		d.ready = append(d.ready, q)
		d.work.Signal()
		return
	}
	q.parked = true
	d.parked++
	if wait != untilWoken {
		q.timer = d.clock.AfterFunc(wait, func() { d.resume(q) })
	}
}

// resume queues a parked chat again.
func (d *dispatcher) resume(q *chatQueue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !q.parked {
		// Dropped at shutdown.
		return
	}
	q.parked, q.timer = false, nil
	d.parked--
	d.ready = append(d.ready, q)
	d.work.Signal()
}

// wake gives the chat with key its turn: the pacer calls it.
func (d *dispatcher) wake(key int64) {
	d.mu.Lock()
	q := d.chats[key]
	switch {
	case q == nil:
	case q.parked && q.timer == nil:
		d.mu.Unlock()
		d.resume(q)
		return
	case q.running && !q.parked:
		q.woken = true
	}
	d.mu.Unlock()
}

// afterSide parks a side task or forgets it once done. Called with d.mu
// held.
func (d *dispatcher) afterSide(s *sideTask, wait time.Duration, done bool) {
	if done || wait == untilWoken || !d.sides[s] {
		delete(d.sides, s)
		if d.closed {
			d.work.Broadcast()
		}
		return
	}
	s.timer = d.clock.AfterFunc(wait, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.sides[s] {
			s.timer = nil
			d.urgent = append(d.urgent, s)
			d.work.Signal()
		}
	})
}

// close stops intake and waits until every accepted update is handled or
// ctx ends. At that deadline it drops the updates still queued or
// parked, calls cancel so that those in hand give up, and waits for the
// workers: no task runs after close returns. It reports how many updates
// were dropped or given up.
func (d *dispatcher) close(ctx context.Context, cancel func()) int {
	d.mu.Lock()
	d.closed = true
	d.space.Broadcast()
	d.work.Broadcast()
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return 0
	case <-ctx.Done():
	}
	d.mu.Lock()
	lost := d.pending
	for _, q := range d.chats {
		d.pending -= len(q.updates)
		clear(q.updates)
		q.updates = q.updates[:0]
		if q.parked {
			if q.timer != nil {
				q.timer.Stop()
			}
			q.parked, q.timer, q.cur, q.running = false, nil, nil, false
			d.parked--
			d.pending--
		}
	}
	for s := range d.sides {
		if s.timer != nil {
			s.timer.Stop()
		}
	}
	clear(d.sides)
	d.ready, d.urgent = nil, nil
	d.work.Broadcast()
	d.mu.Unlock()
	cancel()
	<-done
	return lost
}

// stats returns the updates waiting, those replaced so far, and the
// chats parked.
func (d *dispatcher) stats() (pending int, replaced int64, parked int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending, d.replaced, d.parked
}
