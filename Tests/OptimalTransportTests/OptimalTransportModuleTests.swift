import XCTest
import OptimalTransport

final class OptimalTransportModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
