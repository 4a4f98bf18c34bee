package bot

import (
	"context"
	"errors"
	"sync"
)

// errClosed is returned by submit once the bot has stopped taking updates.
var errClosed = errors.New("bot is shutting down")

// dispatcher runs updates on a fixed pool of workers. Updates of one chat
// run one at a time in arrival order; chats take turns, so a chat that
// sends a flood, or that Telegram throttles, holds one worker and never
// delays the others. The number of waiting updates is bounded: submit
// blocks when it is reached, which slows intake instead of growing memory.
type dispatcher struct {
	handle  func(context.Context, *update)
	workers int
	// maxPending bounds updates accepted but not yet handled; perChat
	// bounds those of one chat, beyond which a newer update replaces the
	// last waiting one (a user tapping faster than the bot can answer
	// gets the screen of their last tap).
	maxPending, perChat int

	mu      sync.Mutex
	space   *sync.Cond // signalled when pending drops
	work    *sync.Cond // signalled when ready gets a chat
	chats   map[int64]*chatQueue
	ready   []*chatQueue // chats with updates and no worker, oldest first
	pending int
	closed  bool
	// replaced counts updates dropped in favour of a newer one from the
	// same chat.
	replaced int64

	wg sync.WaitGroup
}

type chatQueue struct {
	key     int64
	updates []*update
	running bool
}

func newDispatcher(workers, maxPending, perChat int, handle func(context.Context, *update)) *dispatcher {
	d := &dispatcher{handle: handle, workers: workers, maxPending: maxPending, perChat: perChat, chats: map[int64]*chatQueue{}}
	d.space = sync.NewCond(&d.mu)
	d.work = sync.NewCond(&d.mu)
	return d
}

// start runs the workers; ctx is what handlers run under.
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
	key := u.chatKey()
	q := d.chats[key]
	if q == nil {
		q = &chatQueue{key: key}
		d.chats[key] = q
	}
	if len(q.updates) >= d.perChat {
		q.updates[len(q.updates)-1] = u
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

func (d *dispatcher) worker(ctx context.Context) {
	defer d.wg.Done()
	d.mu.Lock()
	for {
		for len(d.ready) == 0 && !(d.closed && d.pending == 0) {
			d.work.Wait()
		}
		if len(d.ready) == 0 {
			d.mu.Unlock()
			return
		}
		q := d.ready[0]
		d.ready[0] = nil
		d.ready = d.ready[1:]
		q.running = true
		u := q.updates[0]
		q.updates[0] = nil
		q.updates = q.updates[1:]
		d.mu.Unlock()

		d.handle(ctx, u)

		d.mu.Lock()
		q.running = false
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

// close stops intake and waits until every accepted update is handled or
// ctx ends. At that deadline it drops the updates still queued, calls
// cancel so that those in hand give up, and waits for the workers: no
// handler runs after close returns. It reports how many updates were
// dropped or given up.
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
	}
	d.ready = nil
	d.work.Broadcast()
	d.mu.Unlock()
	cancel()
	<-done
	return lost
}

// stats returns the updates waiting and those replaced so far.
func (d *dispatcher) stats() (pending int, replaced int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending, d.replaced
}
