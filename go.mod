module github.com/corio-go/corio

go 1.26
