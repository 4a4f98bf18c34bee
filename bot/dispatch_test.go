package bot

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func msgUpdate(id, chatID int64) *update {
	return &update{ID: id, Message: &message{Chat: chat{ID: chatID, Type: "private"}}}
}

func TestDispatchKeepsEachChatInOrder(t *testing.T) {
	var mu sync.Mutex
	seen := map[int64][]int64{}
	d := newTestDispatcher(8, 1000, 1000, func(_ context.Context, u *update) {
		time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		mu.Lock()
		seen[u.chatKey()] = append(seen[u.chatKey()], u.ID)
		mu.Unlock()
	})
	d.start(context.Background())
	for i := range int64(500) {
		if err := d.submit(context.Background(), msgUpdate(i, i%10)); err != nil {
			t.Fatal(err)
		}
	}
	if lost := d.close(ctxTimeout(t, 5*time.Second), func() {}); lost != 0 {
		t.Fatalf("%d updates not handled", lost)
	}
	total := 0
	for chat, ids := range seen {
		total += len(ids)
		if !slices.IsSorted(ids) {
			t.Errorf("chat %d handled out of order: %v", chat, ids)
		}
	}
	if total != 500 {
		t.Errorf("handled %d updates, want 500", total)
	}
}

func TestDispatchSlowChatDoesNotDelayOthers(t *testing.T) {
	release := make(chan struct{})
	handled := make(chan int64, 10)
	d := newTestDispatcher(2, 100, 100, func(_ context.Context, u *update) {
		if u.chatKey() == 1 {
			<-release
		}
		handled <- u.ID
	})
	d.start(context.Background())
	// Chat 1 is throttled: its first update blocks, the rest wait behind it.
	for i := range int64(3) {
		d.submit(context.Background(), msgUpdate(10+i, 1))
	}
	d.submit(context.Background(), msgUpdate(20, 2))
	select {
	case id := <-handled:
		if id != 20 {
			t.Fatalf("first handled update = %d, want chat 2's (20)", id)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("chat 2 waited behind throttled chat 1")
	}
	close(release)
	if lost := d.close(ctxTimeout(t, 5*time.Second), func() {}); lost != 0 {
		t.Fatalf("%d updates not handled", lost)
	}
}

func TestDispatchBoundsPendingWork(t *testing.T) {
	release := make(chan struct{})
	d := newTestDispatcher(1, 3, 10, func(context.Context, *update) { <-release })
	d.start(context.Background())
	for i := range int64(3) {
		if err := d.submit(context.Background(), msgUpdate(i, i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := d.submit(ctx, msgUpdate(9, 9)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("submit beyond the bound: err = %v, want it to block until its context ends", err)
	}
	close(release)
	if err := d.submit(context.Background(), msgUpdate(10, 10)); err != nil {
		t.Fatalf("submit after space freed: %v", err)
	}
	d.close(ctxTimeout(t, 5*time.Second), func() {})
}

func TestDispatchFloodKeepsLastTap(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	var got []int64
	d := newTestDispatcher(1, 100, 2, func(_ context.Context, u *update) {
		if u.ID == 1 {
			close(started)
			<-release
		}
		mu.Lock()
		got = append(got, u.ID)
		mu.Unlock()
	})
	d.start(context.Background())
	d.submit(context.Background(), msgUpdate(1, 5))
	<-started
	for id := int64(2); id <= 1000; id++ {
		d.submit(context.Background(), msgUpdate(id, 5))
	}
	pending, replaced, _ := d.stats()
	if pending > 3 {
		t.Errorf("pending = %d after a flood from one chat, want at most 3", pending)
	}
	if replaced != 1000-3 {
		t.Errorf("replaced = %d, want %d", replaced, 1000-3)
	}
	close(release)
	d.close(ctxTimeout(t, 5*time.Second), func() {})
	if want := []int64{1, 2, 1000}; !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v: the first, the next, and the last tap", got, want)
	}
}

func TestDispatchCloseDrainsThenRefuses(t *testing.T) {
	var n sync.WaitGroup
	n.Add(50)
	d := newTestDispatcher(4, 100, 100, func(context.Context, *update) {
		time.Sleep(time.Millisecond)
		n.Done()
	})
	d.start(context.Background())
	for i := range int64(50) {
		d.submit(context.Background(), msgUpdate(i, i%3))
	}
	if lost := d.close(ctxTimeout(t, 5*time.Second), func() {}); lost != 0 {
		t.Errorf("close left %d updates", lost)
	}
	n.Wait()
	if err := d.submit(context.Background(), msgUpdate(99, 1)); !errors.Is(err, errClosed) {
		t.Errorf("submit after close: %v, want errClosed", err)
	}
}

// TestDispatchCloseGivesUpAtDeadline has a handler that runs until its
// context ends: at the deadline close drops what is queued, cancels the
// handler in hand, and returns only once no handler runs.
func TestDispatchCloseGivesUpAtDeadline(t *testing.T) {
	var running, handled atomic.Int32
	work, cancel := context.WithCancel(context.Background())
	d := newTestDispatcher(1, 100, 100, func(ctx context.Context, _ *update) {
		running.Add(1)
		<-ctx.Done()
		handled.Add(1)
		running.Add(-1)
	})
	d.start(work)
	for i := range 5 {
		d.submit(context.Background(), msgUpdate(int64(i+1), int64(i+1)))
	}
	if lost := d.close(ctxTimeout(t, 50*time.Millisecond), cancel); lost != 5 {
		t.Errorf("close reported %d unhandled, want 5", lost)
	}
	if n := running.Load(); n != 0 {
		t.Errorf("%d handlers still running after close returned", n)
	}
	time.Sleep(20 * time.Millisecond)
	if n := handled.Load(); n != 1 {
		t.Errorf("%d updates handled, want only the one in hand at the deadline", n)
	}
}

// funcTask runs a function once: a task that never waits.
type funcTask struct {
	f func(context.Context, *update)
	u *update
}

func (t funcTask) step(ctx context.Context) (time.Duration, waitCause, bool) {
	t.f(ctx, t.u)
	return 0, causeNone, true
}

// newTestDispatcher runs handle for each update, on the system's clock.
func newTestDispatcher(workers, maxPending, perChat int, handle func(context.Context, *update)) *dispatcher {
	return newDispatcher(realClock{}, workers, maxPending, perChat,
		func(u *update) task { return funcTask{handle, u} },
		func(*update) task { return nil })
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
