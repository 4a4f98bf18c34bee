package data

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestHelperWriter is not a test: TestKilledDuringWrites runs it in a
// child process, which writes preferences until it is killed.
func TestHelperWriter(t *testing.T) {
	db, secret := os.Getenv("DATA_WRITER_DB"), os.Getenv("DATA_WRITER_SECRET")
	if db == "" {
		t.Skip("only run as a child of TestKilledDuringWrites")
	}
	s, err := Open(db, secret, Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	fmt.Println("writing")
	for i := int64(0); ; i++ {
		s.SetLanguage(100000+i%5000, []string{"ar", "fa", "uk"}[i%3])
	}
}

// TestKilledDuringWrites kills a process with SIGKILL while it writes, and
// checks that the database opens afterwards with every preference stored
// before the writer started intact.
func TestKilledDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	db, secret := paths(t)
	s := open(t, db, secret)
	for id := int64(1); id <= 200; id++ {
		if err := s.SetLanguage(id, "sq"); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DATA_WRITER_DB="+db, "DATA_WRITER_SECRET="+secret)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if line != "writing\n" {
			cmd.Process.Kill()
			t.Fatalf("child said %q", line)
		}
		time.Sleep(time.Duration(100+round*150) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		s, err := Open(db, secret, Options{Timeout: 2 * time.Second})
		if err != nil {
			t.Fatalf("round %d: open after SIGKILL: %v", round, err)
		}
		for id := int64(1); id <= 200; id++ {
			if got := mustLang(t, s, id); got != "sq" {
				t.Fatalf("round %d: after SIGKILL, Language(%d) = %q, want sq", round, id, got)
			}
		}
		if got := mustLang(t, s, 100000); got == "" {
			t.Errorf("round %d: the child's first write (%s) is gone", round, strconv.Quote(got))
		}
		s.Close()
	}
}
