import XCTest
import GaussianProcessPDE

final class GaussianProcessPDEModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
