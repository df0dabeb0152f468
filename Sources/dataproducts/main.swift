// The `dataproducts` executable: everything it does lives in the Host library.
import Host

Dataproducts.main()
